import ArgumentParser
import Postgres
#if canImport(Glibc)
import Glibc
#endif

nonisolated enum LeadsdMain {
    /// Parses and runs one command. Any failure is one line on stderr and a non-zero exit:
    /// operators read these in journald and scripts test the exit code, so no usage dump
    /// and never a stack trace. `--help` still prints the full help to stdout.
    static func run() {
        do {
            // Credentials and the env credential first: every option's default reads them.
            do { try SettingsLayers.apply(envFile: nil) } catch { throw CommandFailure(error.description) }
            var command = try LeadsdCommand.parseAsRoot()
            try command.run()
        } catch {
            let code = LeadsdCommand.exitCode(for: error)
            if code == .success {
                LeadsdCommand.exit(withError: error) // --help, --version: ArgumentParser prints them
            }
            let message = LeadsdCommand.message(for: error).singleLine
            if !message.isEmpty {
                // Only a usage error points at --help; a refusal or a runtime failure says it all.
                let line = code == .validationFailure ? message + " (see --help)" : message
                writeStderr(line + "\n")
            }
            fflush(nil)
            exit(code.rawValue)
        }
    }
}

struct LeadsdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leadsd",
        abstract: "Serves the Laravel CRM Leads API (v2) from PostgreSQL.",
        version: BuildInfo.versionLine,
        subcommands: [ServeCommand.self, MigrateCommand.self, UserCommand.self, TokenCommand.self]
    )
}
