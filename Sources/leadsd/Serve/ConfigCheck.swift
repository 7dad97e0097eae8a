#if canImport(Glibc)
import Glibc
#endif
import Migrations
import Postgres
import TLS

/// `leadsd serve --check-config`, as `nginx -t`: loads what `serve` would load and runs every
/// check; each problem is one line on stderr (`leadsd: tls: …`), and the exit status is 0 when
/// there is none, 1 otherwise. Nothing is bound, forked or written.
///
/// A check is one entry of `checks`: a name and a function from the loaded configuration
/// (and the open database connection, for checks that need it) to its problems.
enum ConfigCheck {
    struct Context {
        let configuration: ServeConfiguration
        /// Nil for checks that run without the database.
        let database: BlockingConnection?
    }

    struct Check {
        let name: String
        /// Run only once the database answered (else the `database` line says why not).
        let needsDatabase: Bool
        let problems: (Context) -> [String]
    }

    static var checks: [Check] {
        [
            Check(name: "tls", needsDatabase: false, problems: tlsProblems),
            Check(name: "migrations", needsDatabase: true, problems: migrationProblems),
        ]
    }

    static func run(arguments: [String]) -> Never {
        let problems = ConfigCheck.problems(arguments: arguments)
        for line in problems { StandardError.write("leadsd: \(line)\n") }
        if problems.isEmpty {
            print("leadsd: configuration ok (settings, database, " + checks.map(\.name).joined(separator: ", ") + ")")
        }
        fflush(nil)
        Glibc.exit(problems.isEmpty ? 0 : 1)
    }

    /// Every problem, each as `check: what is wrong`.
    static func problems(arguments: [String]) -> [String] {
        let configuration: ServeConfiguration
        do {
            configuration = try ServeConfiguration.load(arguments: arguments)
        } catch let error as ConfigurationError {
            return ["settings: \(error.description)"]
        } catch {
            return ["settings: " + (ServeOptions.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments")]
        }
        var problems: [String] = []
        let offline = Context(configuration: configuration, database: nil)
        for check in checks where !check.needsDatabase {
            problems += check.problems(offline).map { "\(check.name): \($0.singleLine)" }
        }
        // Without a timeout an unreachable host would block for the kernel's TCP timeout.
        setenv("PGCONNECT_TIMEOUT", "10", 0)
        let connection: BlockingConnection
        do throws(PostgresError) {
            connection = try BlockingConnection(connectionString: configuration.database.connectionString)
        } catch {
            return problems + ["database: cannot connect: \(error.message.singleLine)"]
        }
        defer { connection.close() }
        let online = Context(configuration: configuration, database: connection)
        for check in checks where check.needsDatabase {
            problems += check.problems(online).map { "\(check.name): \($0.singleLine)" }
        }
        return problems
    }

    /// The certificate chain and key load and belong together (the key's permissions were
    /// judged with the settings).
    private static func tlsProblems(_ context: Context) -> [String] {
        guard let files = context.configuration.tls else { return [] }
        do {
            let loaded = try LoadedTLSContext.load(files, ticketKeys: try TicketKeyRing())
            // The key file's keys are checked too (length, count), as a reload would.
            try loaded.adoptTicketKeys()
            return []
        } catch let error as ConfigurationError {
            return [error.description]
        } catch {
            return ["TLS: \(error)"]
        }
    }

    private static func migrationProblems(_ context: Context) -> [String] {
        guard let database = context.database else { return [] }
        do {
            let pending = try MigrationRunner().pending(on: database)
            guard !pending.isEmpty else { return [] }
            return ["\(pending.count) not applied (\(pending.map(\.identifier).joined(separator: ", "))): run leadsd migrate"]
        } catch {
            return [error.description]
        }
    }
}
