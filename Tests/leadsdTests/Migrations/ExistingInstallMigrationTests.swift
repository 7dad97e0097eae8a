import Migrations
import Postgres
import TestSupport
import XCTest

/// `migrate` on a database Laravel CRM already made: rows and column types survive, only
/// leadsd's own objects and the missing indexes are added.
final class ExistingInstallMigrationTests: XCTestCase {
    private var database: TestDatabase!

    override func setUpWithError() throws {
        database = try makeTestDatabase(prefix: "foundation_laravel", migrate: false)
        try database.connect().execute(LaravelCRMFixture.sql)
    }

    override func tearDown() {
        database?.drop()
    }

    /// Every table's rows over the columns it had before, and every column's type.
    private func snapshot(_ connection: BlockingConnection, columns: [String: [String: String]]) throws -> [String: String] {
        var result: [String: String] = [:]
        for (table, types) in columns {
            let list = types.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            let rows = try connection.scalar(
                "SELECT coalesce(json_agg(r ORDER BY r::text)::text, '[]') FROM (SELECT \(list) FROM \(table)) r")
            result[table] = rows
        }
        return result
    }

    func testRowsColumnTypesAndExistingIndexesSurviveMigration() throws {
        let connection = try database.connect()
        var columnsBefore: [String: [String: String]] = [:]
        for table in LaravelCRMFixture.tables { columnsBefore[table] = try connection.columnTypes(of: table) }
        let rowsBefore = try snapshot(connection, columns: columnsBefore)
        let indexesBefore = try LaravelCRMFixture.tables.map { try connection.indexNames(on: $0) }
        XCTAssertEqual(try connection.count("crm_leads"), 3)

        let report = try database.migrate()
        XCTAssertEqual(report.applied, Migration.embedded)

        for table in LaravelCRMFixture.tables {
            let after = try connection.columnTypes(of: table)
            for (column, type) in columnsBefore[table]! {
                XCTAssertEqual(after[column], type, "\(table).\(column) was changed")
            }
        }
        XCTAssertEqual(try connection.columnTypes(of: "crm_leads")["amount"], "integer")
        XCTAssertEqual(try snapshot(connection, columns: columnsBefore), rowsBefore)
        for (table, before) in zip(LaravelCRMFixture.tables, indexesBefore) {
            XCTAssertTrue(before.isSubset(of: try connection.indexNames(on: table)), table)
        }
        // Only what was missing was added: the column leadsd reads, default NULL.
        XCTAssertEqual(try connection.columnTypes(of: "users")["current_team_id"], "bigint")
        XCTAssertEqual(try connection.scalar("SELECT count(*) FROM users WHERE current_team_id IS NULL"), "2")
    }

    func testMissingIndexesAreAddedAndLaravelsOwnAreNotDuplicated() throws {
        try database.migrate()
        let connection = try database.connect()
        let leadIndexes = try connection.indexNames(on: "crm_leads")
        for name in ["crm_leads_external_id_index", "crm_leads_live_created_at_index", "crm_leads_live_owner_index",
                     "crm_leads_number_index", "crm_leads_team_id_index"] {
            XCTAssertTrue(leadIndexes.contains(name), name)
        }
        XCTAssertEqual(try connection.indexNames(on: "crm_labelables").count, 1)
        XCTAssertEqual(try connection.indexNames(on: "personal_access_tokens").count, 3) // pkey, token, tokenable
    }

    func testExistingStatusesAreNotSeededOver() throws {
        try database.migrate()
        let connection = try database.connect()
        XCTAssertEqual(try connection.scalar("SELECT string_agg(name, ',' ORDER BY id) FROM crm_lead_statuses"), "Lead,Qualified")
    }

    func testLeadsButNoStatusesMeansNoSeed() throws {
        let connection = try database.connect()
        try connection.execute("DELETE FROM crm_lead_statuses")
        try database.migrate()
        XCTAssertEqual(try connection.count("crm_lead_statuses"), 0)
    }

    func testSecondRunOnAnExistingInstallDoesNothing() throws {
        try database.migrate()
        let connection = try database.connect()
        let rows = try snapshot(connection, columns: ["crm_leads": try connection.columnTypes(of: "crm_leads")])
        let report = try database.migrate()
        XCTAssertEqual(report.applied, [])
        XCTAssertEqual(try snapshot(connection, columns: ["crm_leads": try connection.columnTypes(of: "crm_leads")]), rows)
    }
}
