import ArgumentParser
import Migrations
import Postgres

/// `leadsd migrate`: applies the migrations compiled into this binary (from sql/).
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or update the database schema (safe to run again, and from several hosts at once).",
        discussion: """
        Applies every migration of sql/ (compiled into this binary) that the table \
        leadsd_migrations does not record yet, each in its own transaction, under a \
        PostgreSQL advisory lock. On an existing Laravel CRM database it only adds what \
        is missing; it never drops, renames or retypes anything.
        """
    )

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Print the migrations this binary carries and exit (no database needed).")
    var list = false

    func run() throws {
        let runner = MigrationRunner()
        if list {
            for migration in runner.migrations { print(migration.identifier) }
            return
        }
        let connection = try database.connect()
        let report: MigrationRunner.Report
        do {
            report = try runner.run(on: connection) { migration in
                print("applying \(migration.identifier)")
            }
        } catch {
            throw CommandFailure("\(error)")
        }
        for migration in report.changedSinceApplied {
            fputsStderr("warning: \(migration.identifier) changed after it was applied; the change was not applied")
        }
        if report.applied.isEmpty {
            print("nothing to migrate (\(report.alreadyApplied) already applied)")
        } else {
            print("migrated: \(report.applied.count) applied, \(report.alreadyApplied) already applied")
        }
    }
}
