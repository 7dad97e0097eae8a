import Migrations
import Postgres
import TestSupport
import XCTest

/// `migrate` on an empty database: the schema of schema.md, leadsd's indexes, status 1.
final class FreshInstallMigrationTests: XCTestCase {
    private var database: TestDatabase!

    override func setUpWithError() throws {
        database = try makeTestDatabase(prefix: "foundation_fresh", migrate: false)
    }

    override func tearDown() {
        database?.drop()
    }

    private let timestamp = "timestamp(0) without time zone"
    private let varchar = "character varying(255)"

    func testEmptyDatabaseGetsTheSchemaOfSchemaMD() throws {
        let report = try database.migrate()
        XCTAssertEqual(report.applied, Migration.embedded)
        let connection = try database.connect()

        let expected: [String: [String: String]] = [
            "users": ["id": "bigint not null", "name": "\(varchar) not null", "email": "\(varchar) not null",
                      "password": "\(varchar) not null", "crm_access": "boolean not null", "current_team_id": "bigint",
                      "created_at": timestamp, "updated_at": timestamp],
            "personal_access_tokens": ["id": "bigint not null", "tokenable_type": "\(varchar) not null",
                                       "tokenable_id": "bigint not null", "name": "text not null",
                                       "token": "character varying(64) not null", "abilities": "text",
                                       "last_used_at": timestamp, "expires_at": timestamp,
                                       "created_at": timestamp, "updated_at": timestamp],
            "crm_leads": ["id": "bigint not null", "external_id": "\(varchar) not null", "team_id": "bigint",
                          "pipeline_id": "bigint", "pipeline_stage_id": "bigint", "person_id": "bigint",
                          "organization_id": "bigint", "title": "\(varchar) not null", "description": "text",
                          "lead_id": varchar, "prefix": varchar, "number": "integer", "amount": "bigint",
                          "currency": "character varying(3) not null", "lead_status_id": "smallint",
                          "lead_source_id": "bigint", "qualified": "boolean not null",
                          "expected_close": timestamp, "converted_at": timestamp,
                          "user_created_id": "bigint", "user_updated_id": "bigint", "user_deleted_id": "bigint",
                          "user_restored_id": "bigint", "user_owner_id": "bigint", "user_assigned_id": "bigint",
                          "created_at": timestamp, "updated_at": timestamp, "deleted_at": timestamp],
            "crm_people": ["id": "bigint not null", "external_id": "\(varchar) not null", "team_id": "bigint",
                           "first_name": "character varying(500) not null", "middle_name": "character varying(500)",
                           "last_name": "character varying(500)", "created_at": timestamp, "updated_at": timestamp,
                           "deleted_at": timestamp],
            "crm_organizations": ["id": "bigint not null", "external_id": "\(varchar) not null", "team_id": "bigint",
                                  "name": "character varying(1000)", "created_at": timestamp,
                                  "updated_at": timestamp, "deleted_at": timestamp],
            "crm_labels": ["id": "bigint not null", "external_id": "\(varchar) not null", "team_id": "bigint",
                           "name": "\(varchar) not null", "hex": "\(varchar) not null", "description": "text",
                           "created_at": timestamp, "updated_at": timestamp, "deleted_at": timestamp],
            "crm_labelables": ["label_id": "bigint not null", "crm_labelable_id": "bigint not null",
                               "crm_labelable_type": "\(varchar) not null"],
            "crm_lead_sources": named("bigint"),
            "crm_pipelines": named("bigint"),
            "crm_pipeline_stages": named("bigint").merging(["pipeline_id": "bigint not null"]) { $1 },
            "crm_lead_statuses": named("smallint"),
            "crm_settings": ["id": "bigint not null", "team_id": "bigint", "name": "\(varchar) not null", "value": "text"],
        ]
        for (table, columns) in expected {
            let actual = try connection.columnTypes(of: table)
            XCTAssertFalse(actual.isEmpty, "table \(table) missing")
            for (column, type) in columns {
                XCTAssertEqual(actual[column], type, "\(table).\(column)")
            }
        }

        // Defaults that leadsd's writes rely on.
        try connection.execute("INSERT INTO crm_leads (external_id, title) VALUES ('x', 't')")
        let row = try connection.execute("SELECT currency, qualified FROM crm_leads").rows[0]
        XCTAssertEqual(row[0].string, "USD")
        XCTAssertEqual(row[1].bool, false)
        try connection.execute("INSERT INTO users (name, email, password) VALUES ('n', 'e@x', 'p')")
        XCTAssertEqual(try connection.scalar("SELECT crm_access FROM users"), "f")

        // Sanctum's unique token, Laravel's unique email.
        XCTAssertThrowsError(try connection.execute("INSERT INTO users (name, email, password) VALUES ('n', 'e@x', 'p')"))
    }

    private func named(_ idType: String) -> [String: String] {
        ["id": "\(idType) not null", "external_id": "\(varchar) not null", "team_id": "bigint",
         "name": "\(varchar) not null", "created_at": timestamp, "updated_at": timestamp, "deleted_at": timestamp]
    }

    func testTheAPIIndexesExist() throws {
        try database.migrate()
        let connection = try database.connect()
        let leadIndexes = try connection.indexNames(on: "crm_leads")
        for name in ["crm_leads_external_id_index", "crm_leads_live_created_at_index", "crm_leads_live_updated_at_index",
                     "crm_leads_live_title_index", "crm_leads_live_amount_index", "crm_leads_live_amount_desc_index",
                     "crm_leads_live_owner_index", "crm_leads_number_index"] {
            XCTAssertTrue(leadIndexes.contains(name), name)
        }
        for table in ["crm_people", "crm_organizations", "crm_labels", "crm_lead_sources", "crm_pipeline_stages"] {
            XCTAssertTrue(try connection.indexNames(on: table).contains("\(table)_external_id_index"), table)
        }
        XCTAssertTrue(try connection.indexNames(on: "crm_labelables")
            .contains("crm_labelables_crm_labelable_type_crm_labelable_id_index"))
        // The live-lead indexes are partial: soft-deleted rows are not in them.
        let definition = try connection.scalar("SELECT indexdef FROM pg_indexes WHERE indexname = 'crm_leads_live_created_at_index'")
        XCTAssertTrue(definition?.contains("WHERE (deleted_at IS NULL)") == true, definition ?? "nil")
    }

    func testFreshInstallGetsLeadStatusOneAndItsSequenceMovesOn() throws {
        try database.migrate()
        let connection = try database.connect()
        XCTAssertEqual(try connection.scalar("SELECT name FROM crm_lead_statuses WHERE id = 1"), "Lead")
        XCTAssertEqual(try connection.count("crm_lead_statuses"), 1)
        let next = try connection.scalar("INSERT INTO crm_lead_statuses (external_id, name) VALUES ('y', 'Won') RETURNING id")
        XCTAssertEqual(next, "2")
    }

    func testSecondRunDoesNothing() throws {
        let first = try database.migrate()
        XCTAssertEqual(first.applied.count, Migration.embedded.count)
        let connection = try database.connect()
        let recordedBefore = try connection.execute("SELECT version, applied_at FROM leadsd_migrations ORDER BY version").rows

        let second = try database.migrate()
        XCTAssertEqual(second.applied, [])
        XCTAssertEqual(second.alreadyApplied, Migration.embedded.count)
        XCTAssertEqual(second.changedSinceApplied, [])
        XCTAssertEqual(try connection.execute("SELECT version, applied_at FROM leadsd_migrations ORDER BY version").rows, recordedBefore)
        XCTAssertEqual(try connection.count("crm_lead_statuses"), 1)

        // And through the binary, as an operator sees it.
        let outcome = try LeadsdProcess.run(["migrate"], environment: ["DATABASE_URL": database.url])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertEqual(outcome.stdout, "nothing to migrate (\(Migration.embedded.count) already applied)\n")
        XCTAssertEqual(outcome.stderr, "")
    }

    func testAFailingMigrationLeavesNoTraceAndStopsTheRun() throws {
        let good = Migration(version: 1, name: "good", sql: "CREATE TABLE good (id int);")
        let bad = Migration(version: 2, name: "bad", sql: "CREATE TABLE half (id int); SELECT no_such_function();")
        let later = Migration(version: 3, name: "later", sql: "CREATE TABLE later (id int);")
        XCTAssertThrowsError(try database.migrate([good, bad, later])) { error in
            XCTAssertTrue("\(error)".contains("002_bad"), "\(error)")
        }
        let connection = try database.connect()
        XCTAssertEqual(try connection.scalar("SELECT string_agg(version::text, ',') FROM leadsd_migrations"), "1")
        XCTAssertNotNil(try connection.scalar("SELECT to_regclass('good')"))
        XCTAssertNil(try connection.scalar("SELECT to_regclass('half')"))
        XCTAssertNil(try connection.scalar("SELECT to_regclass('later')"))
    }

    func testAnEditedMigrationIsReportedNotReapplied() throws {
        let original = Migration(version: 1, name: "one", sql: "CREATE TABLE one (id int);")
        try database.migrate([original])
        let edited = Migration(version: 1, name: "one", sql: "CREATE TABLE one (id int); CREATE TABLE two (id int);")
        let report = try database.migrate([edited])
        XCTAssertEqual(report.applied, [])
        XCTAssertEqual(report.changedSinceApplied, [edited])
        XCTAssertNil(try database.connect().scalar("SELECT to_regclass('two')"))
    }

    func testTwoMigrateProcessesAtOnceBothSucceedAndApplyEachMigrationOnce() throws {
        let environment = ["DATABASE_URL": database.url]
        let started = try (0..<4).map { _ in try LeadsdProcess.start(["migrate"], environment: environment) }
        let outcomes = started.map(LeadsdProcess.finish)
        for outcome in outcomes {
            XCTAssertEqual(outcome.status, 0, outcome.stderr)
        }
        let applyingLines = outcomes.flatMap { $0.stdout.split(separator: "\n") }.filter { $0.hasPrefix("applying ") }
        XCTAssertEqual(applyingLines.count, Migration.embedded.count, outcomes.map(\.stdout).joined(separator: "---\n"))
        XCTAssertEqual(Set(applyingLines).count, Migration.embedded.count)
        let connection = try database.connect()
        XCTAssertEqual(try connection.count("leadsd_migrations"), Migration.embedded.count)
        XCTAssertEqual(try connection.count("crm_lead_statuses"), 1)
    }
}
