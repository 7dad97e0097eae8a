import Migrations
import Postgres
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway database on the server named by `LEADSD_TEST_DATABASE_URL`.
///
///     let database = try TestDatabase(prefix: "leads")      // created and migrated
///     let connection = try database.connect()
///     ... pass database.url to the daemon as DATABASE_URL ...
///     database.drop()                                       // in tearDown
///
/// Each instance has a unique name (prefix, pid, random), so test classes and parallel
/// runs never share state. Without the variable, creation throws `.notConfigured`, which
/// fails the test with a message saying what to set: tests never skip silently.
public final class TestDatabase: Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case notConfigured
        case badPrefix(String)
        case server(String)

        public var description: String {
            switch self {
            case .notConfigured:
                return "LEADSD_TEST_DATABASE_URL is not set: point it at a PostgreSQL server where tests may CREATE DATABASE, e.g. postgresql://postgres@127.0.0.1:54329/postgres (.ci/test sets it)"
            case .badPrefix(let prefix):
                return "TestDatabase prefix [\(prefix)] must be 1-30 characters of a-z, 0-9, _"
            case .server(let message):
                return "TestDatabase: \(message)"
            }
        }
    }

    /// The database's name on the server.
    public let name: String
    /// A libpq connection string to this database: use it as `DATABASE_URL`.
    public let url: String
    /// The server's maintenance database, from `LEADSD_TEST_DATABASE_URL`.
    public let serverURL: String

    /// Creates an empty database, and runs every migration of sql/ on it when `migrate` is true.
    /// `encoding: "SQL_ASCII"` makes a database that stores any bytes, as old installs may.
    public init(prefix: String = "test", migrate: Bool = true, encoding: String? = nil) throws(Failure) {
        serverURL = try Self.configuredServerURL()
        guard (1...30).contains(prefix.utf8.count),
              prefix.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }) else {
            throw .badPrefix(prefix)
        }
        let random = String(UInt64.random(in: 0...UInt64(UInt32.max) << 16), radix: 16)
        name = "\(prefix)_\(getpid())_\(random)"
        url = Self.connectionString(serverURL, database: name)

        do throws(PostgresError) {
            let admin = try BlockingConnection(connectionString: serverURL)
            // The name is made above from [a-z0-9_] only, the encoding by the test itself;
            // identifiers cannot be parameters.
            let options = encoding.map { " ENCODING '\($0)' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'" } ?? ""
            try admin.execute("CREATE DATABASE \"\(name)\"\(options)")
            admin.close()
        } catch {
            throw .server("cannot create database \(name): \(error.message)")
        }
        if migrate {
            do {
                try self.migrate()
            } catch {
                drop()
                throw error
            }
        }
    }

    /// Opens a new connection to this database.
    public func connect() throws(Failure) -> BlockingConnection {
        do throws(PostgresError) {
            return try BlockingConnection(connectionString: url)
        } catch {
            throw .server("cannot connect to \(name): \(error.message)")
        }
    }

    /// Runs the pending migrations (all of sql/, or the given ones) on this database.
    @discardableResult
    public func migrate(_ migrations: [Migration] = Migration.embedded) throws(Failure) -> MigrationRunner.Report {
        let connection = try connect()
        defer { connection.close() }
        do throws(MigrationRunner.Failure) {
            return try MigrationRunner(migrations: migrations).run(on: connection)
        } catch {
            throw .server(error.description)
        }
    }

    /// Drops the database, disconnecting anything still connected. Safe to call twice.
    public func drop() {
        guard let admin = try? BlockingConnection(connectionString: serverURL) else { return }
        _ = try? admin.execute("DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)")
        admin.close()
    }

    /// `LEADSD_TEST_DATABASE_URL`, or `.notConfigured`.
    public static func configuredServerURL() throws(Failure) -> String {
        guard let value = getenv("LEADSD_TEST_DATABASE_URL"), case let text = String(cString: value), !text.isEmpty else {
            throw .notConfigured
        }
        return text
    }

    /// The same server with another database: a URI's path is replaced (its query kept);
    /// a `key=value` string gets a trailing `dbname=`, which libpq lets override earlier ones.
    public static func connectionString(_ server: String, database: String) -> String {
        guard let schemeEnd = server.firstRange(of: "://") else {
            return server + " dbname=" + database
        }
        let afterScheme = server[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterScheme.endIndex
        let authority = server[..<authorityEnd]
        let rest = server[authorityEnd...]
        let query = rest.firstIndex(of: "?").map { String(rest[$0...]) } ?? ""
        return authority + "/" + database + query
    }
}
