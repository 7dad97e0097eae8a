import ArgumentParser

nonisolated enum LeadsdMain {
    static func run() {
        LeadsdCommand.main()
    }
}

struct LeadsdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leadsd",
        abstract: "Serves the Laravel CRM Leads API (v2) from PostgreSQL.",
        subcommands: [ServeCommand.self]
    )
}
