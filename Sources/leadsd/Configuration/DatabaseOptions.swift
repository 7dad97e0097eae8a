import ArgumentParser
import Postgres
#if canImport(Glibc)
import Glibc
#endif

/// `--database-url`, falling back to `DATABASE_URL`. Shared by migrate, user and token.
struct DatabaseOptions: ParsableArguments {
    // No default value shown in --help: the URL may carry a password.
    @Option(name: .customLong("database-url"),
            help: "libpq connection URI or key=value string (env: DATABASE_URL).")
    var databaseURL: String?

    var resolvedURL: String? { databaseURL ?? EnvironmentDefault.optionalString("DATABASE_URL") }

    /// Opens the connection or fails with one line naming what is wrong (never the URL itself,
    /// which may hold a password).
    func connect() throws(CommandFailure) -> BlockingConnection {
        guard let url = resolvedURL else {
            throw CommandFailure("DATABASE_URL is not set: export DATABASE_URL=postgresql://user@host:5432/dbname or pass --database-url.")
        }
        // Without a timeout an unreachable host blocks for the kernel's TCP timeout.
        setenv("PGCONNECT_TIMEOUT", "10", 0)
        do throws(PostgresError) {
            return try BlockingConnection(connectionString: url)
        } catch {
            throw CommandFailure("Cannot connect to the database: \(error.message)")
        }
    }
}

extension PostgresError {
    /// For the command line: what the server or libpq said, on one line.
    var commandLineMessage: String { message.singleLine }
}
