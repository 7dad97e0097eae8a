import Postgres

/// Applies pending migrations to one database.
///
/// Several hosts may run `leadsd migrate` at the same moment: a session-level advisory lock
/// lets exactly one of them work while the others wait, then find nothing left to do.
/// Each migration runs in its own transaction together with its row in `leadsd_migrations`,
/// so a failed migration leaves neither its changes nor a record behind.
public struct MigrationRunner {
    /// Arbitrary but fixed: every leadsd process agrees on it. ("leadsd" in ASCII.)
    public static let advisoryLockKey: Int64 = 0x6C65_6164_7364

    public let migrations: [Migration]

    public init(migrations: [Migration] = Migration.embedded) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    public struct Report: Sendable, Equatable {
        /// What this run applied, in order.
        public var applied: [Migration] = []
        /// Already recorded before this run.
        public var alreadyApplied: Int = 0
        /// Recorded migrations whose text differs from the embedded file (edited after release).
        public var changedSinceApplied: [Migration] = []
    }

    public enum Failure: Error, CustomStringConvertible {
        case migration(Migration, PostgresError)
        case bookkeeping(PostgresError)

        public var description: String {
            switch self {
            case .migration(let migration, let error):
                return "migration \(migration.identifier) failed and was rolled back: \(error.message.singleLine)"
            case .bookkeeping(let error):
                return "migrate: \(error.message.singleLine)"
            }
        }
    }

    /// The migrations this binary carries that the database has not recorded, oldest first,
    /// without taking the lock or changing anything (for `serve --check-config`).
    public func pending(on connection: BlockingConnection) throws(Failure) -> [Migration] {
        do throws(PostgresError) {
            let table = try connection.execute("SELECT to_regclass('leadsd_migrations') IS NOT NULL").rows.first?[0].bool ?? false
            guard table else { return migrations }
            let recorded = Set(try connection.execute("SELECT version FROM leadsd_migrations").rows.compactMap { $0[0].int })
            return migrations.filter { !recorded.contains($0.version) }
        } catch {
            throw .bookkeeping(error)
        }
    }

    /// Applies every migration not yet recorded. `progress` is told about each one before it runs.
    @discardableResult
    public func run(on connection: BlockingConnection, progress: (Migration) -> Void = { _ in }) throws(Failure) -> Report {
        do throws(PostgresError) {
            try connection.execute("SELECT pg_advisory_lock($1)", [String(Self.advisoryLockKey)])
        } catch {
            throw .bookkeeping(error)
        }
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock($1)", [String(Self.advisoryLockKey)]) }

        var report = Report()
        let recorded: [Int: String]
        do throws(PostgresError) {
            // "already exists, skipping" notices are the normal case on an existing install.
            try connection.execute("SET client_min_messages = warning")
            // Under the lock: concurrent CREATE TABLE IF NOT EXISTS can otherwise collide.
            try connection.execute("""
                CREATE TABLE IF NOT EXISTS leadsd_migrations (
                    version integer PRIMARY KEY,
                    name varchar(255) NOT NULL,
                    checksum char(32) NOT NULL,
                    applied_at timestamp(0) without time zone NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
                )
                """)
            let rows = try connection.execute("SELECT version, checksum FROM leadsd_migrations").rows
            var map: [Int: String] = [:]
            for row in rows {
                if let version = row[0].int, let checksum = row[1].string { map[version] = checksum }
            }
            recorded = map
        } catch {
            throw .bookkeeping(error)
        }

        for migration in migrations {
            if let checksum = recorded[migration.version] {
                report.alreadyApplied += 1
                if let current = try? connection.execute("SELECT md5($1)", [migration.sql]).rows.first?[0].string,
                   current != checksum {
                    report.changedSinceApplied.append(migration)
                }
                continue
            }
            progress(migration)
            do throws(PostgresError) {
                try connection.execute("BEGIN")
                try connection.execute(migration.sql)
                try connection.execute(
                    "INSERT INTO leadsd_migrations (version, name, checksum) VALUES ($1::integer, $2, md5($3))",
                    [String(migration.version), migration.name, migration.sql]
                )
                try connection.execute("COMMIT")
            } catch {
                _ = try? connection.execute("ROLLBACK")
                throw .migration(migration, error)
            }
            report.applied.append(migration)
        }
        return report
    }
}
