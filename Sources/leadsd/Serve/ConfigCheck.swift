#if canImport(Glibc)
import Glibc
#endif
import LeadsAPI
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
            Check(name: "encrypted-names", needsDatabase: true, problems: encryptedNameProblems),
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

    /// Values of each name column `encryptedNameProblems` tries the app key on.
    static let encryptedNameSamples = 20

    /// Contract §2c. No key configured: a name column that holds Laravel payloads, which
    /// `serve` refuses to start on. A key configured (its parsing is the settings' check): a
    /// column whose payloads none of the keys decrypts, a wrong APP_KEY, with which `serve`
    /// would hand those names out as stored, ciphertext, as Laravel CRM does.
    private static func encryptedNameProblems(_ context: Context) -> [String] {
        guard let database = context.database else { return [] }
        let api = context.configuration.api
        do throws(PostgresError) {
            guard let keys = api.appKeys else {
                guard case .ciphertext(let column)? = try EncryptedNamesCheck.finding(on: database, tablePrefix: api.tablePrefix) else {
                    return []
                }
                return [EncryptedNamesCheck.refusal(column: column)]
            }
            try database.execute("SET statement_timeout = \(EncryptedNamesCheck.statementTimeoutMilliseconds)")
            let encrypter = LaravelEncrypter(keys: keys)
            var problems: [String] = []
            for (column, statement) in EncryptedNameProbe.samples(tablePrefix: api.tablePrefix, limit: encryptedNameSamples) {
                let values = try database.execute(statement.sql).rows.compactMap { $0.first?.bytes }
                guard !values.isEmpty, !values.contains(where: { encrypter.decrypt($0) != nil }) else { continue }
                problems.append("\(column): none of \(values.count) Laravel-encrypted values read decrypts with the app key (\(keys)): is it the Laravel application's APP_KEY? serve would show such names as stored, ciphertext")
            }
            return problems
        } catch {
            // 42P01, undefined_table: not migrated yet, which the migrations line reports.
            if error.sqlState == "42P01" { return [] }
            return ["cannot look for encrypted names: \(error.message)"]
        }
    }
}
