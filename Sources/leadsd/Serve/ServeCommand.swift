import ArgumentParser

// Owned by the server-core issue (process helper): options, configuration, master, workers.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the HTTPS API daemon.")

    func run() throws {
        throw ValidationError("serve is not built yet")
    }
}
