import Foundation
@testable import LeadsAPI
import Postgres
import TestSupport
import XCTest

/// The list's statements keep a good plan once PostgreSQL switches them to a generic plan
/// (it does after a few executions of a prepared statement): the page comes from the
/// sort's index, never from reading and sorting every live lead.
final class LeadListPlanTests: XCTestCase {
    func testGenericPlansReadThePageFromTheIndex() throws {
        let database = try TestDatabase(prefix: "leads_list_plans")
        defer { database.drop() }
        let db = try database.connect()
        try db.execute(LeadsFixture.seed)
        try db.execute("""
            INSERT INTO crm_leads (external_id, title, user_owner_id, created_at, updated_at, amount, deleted_at)
            SELECT 'p-' || i, 'Lead ' || i, 1 + i % 2, now() - i * interval '1 minute', now(), i,
                   CASE WHEN i % 10 = 0 THEN now() END
            FROM generate_series(1, 20000) AS i;
            ANALYZE;
            SET plan_cache_mode = force_generic_plan;
            """)
        let statements = LeadStatements(tablePrefix: "crm_")
        for key in LeadStatements.ListKey.all where !key.byTeam {
            let statement = try XCTUnwrap(statements.list[key])
            try db.execute("PREPARE page(bigint, bigint, bigint, bigint) AS \(statement.sql)")
            let owner = key.byOwner ? "1" : "NULL"
            let plan = try db.execute("EXPLAIN EXECUTE page(\(owner), NULL, 25, 50)").rows
                .compactMap { $0.first?.string }.joined(separator: "\n")
            try db.execute("DEALLOCATE page")
            XCTAssertFalse(plan.contains("Seq Scan on crm_leads"), "\(statement.name):\n\(plan)")
            XCTAssertFalse(plan.contains("Sort Key: l."), "\(statement.name) sorts leads:\n\(plan)")
            XCTAssertTrue(plan.contains("crm_leads_live_"), "\(statement.name) reads a live-leads index:\n\(plan)")
        }
    }

    /// Rows skipped by the offset are not joined: the labels of a page of 25 at offset 500
    /// are looked up 25 times, not 525.
    func testOnlyThePagesRowsAreJoined() throws {
        let database = try TestDatabase(prefix: "leads_list_joins")
        defer { database.drop() }
        let db = try database.connect()
        try db.execute(LeadsFixture.seed)
        try db.execute("""
            INSERT INTO crm_leads (external_id, title, created_at) SELECT 'j-' || i, 'Lead', now() - i * interval '1 minute'
            FROM generate_series(1, 2000) AS i;
            ANALYZE;
            """)
        let statement = try XCTUnwrap(LeadStatements(tablePrefix: "crm_").list[LeadStatements.ListKey(sort: .default, byOwner: false, byTeam: false)])
        try db.execute("PREPARE page(bigint, bigint, bigint, bigint) AS \(statement.sql)")
        let plan = try db.execute("EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF) EXECUTE page(NULL, NULL, 25, 500)").rows
            .compactMap { $0.first?.string }
        let labelScan = try XCTUnwrap(plan.firstIndex { $0.contains("on crm_labelables") }, plan.joined(separator: "\n"))
        XCTAssertTrue(plan[labelScan].contains("loops=25)"), plan.joined(separator: "\n"))
    }
}
