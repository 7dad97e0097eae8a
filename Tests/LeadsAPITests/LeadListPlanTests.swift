import Foundation
@testable import LeadsAPI
import Postgres
import TestSupport
import XCTest

/// The list's statements keep a good plan once PostgreSQL switches them to a generic plan
/// (it does after a few executions of a prepared statement): the page comes from the
/// sort's index, never from reading and sorting every live lead.
final class LeadListPlanTests: XCTestCase {
    /// `count` leads a minute apart, owners 2 (odd i) and 1 (even i), every tenth deleted,
    /// and fresh statistics.
    private func seedLeads(_ db: BlockingConnection, count: Int) throws {
        try db.execute(LeadsFixture.seed)
        try db.execute("""
            INSERT INTO crm_leads (external_id, title, user_owner_id, created_at, updated_at, amount, deleted_at)
            SELECT 'p-' || i, 'Lead ' || i, 1 + i % 2, now() - i * interval '1 minute', now(), i,
                   CASE WHEN i % 10 = 0 THEN now() END
            FROM generate_series(1, \(count)) AS i;
            ANALYZE;
            """)
    }

    func testGenericPlansReadThePageFromTheIndex() throws {
        let database = try TestDatabase(prefix: "leads_list_plans")
        defer { database.drop() }
        let db = try database.connect()
        try seedLeads(db, count: 20_000)
        try db.execute("SET plan_cache_mode = force_generic_plan")
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

    /// The list's statements as a request builds them: the controller's own batch.
    private func listBatch(_ query: String) throws -> QueryBatch {
        let controller = LeadsController(statements: LeadStatements(tablePrefix: "crm_"), runner: FailingRunner(), maxBodyBytes: 1 << 20,
                                         names: StoredNames(encrypter: nil), ciphertextFound: { _ in })
        let request = LeadsInProcessClient.makeRequest("GET", "/crm/api/v2/leads?" + query, token: nil, body: nil, headers: [])
        return try XCTUnwrap(controller.listRequest(request, team: nil).read)
    }

    /// Runs the batch's statements as the pool does (prepared, with its parameters) in one
    /// transaction, and returns their results and how many crm_leads rows that transaction
    /// read: PostgreSQL's own count of tuples fetched and scanned (pg_stat_xact_user_tables).
    private func run(_ batch: QueryBatch, on db: BlockingConnection) throws -> (results: [QueryResult], leadRowsRead: Int) {
        try db.execute("BEGIN")
        defer { _ = try? db.execute("ROLLBACK") }
        // The view shows what this backend has not flushed yet, earlier transactions included,
        // and nothing is flushed inside a transaction block: the difference is this batch's.
        func leadRowsRead() throws -> Int {
            try db.execute("""
                SELECT coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0) FROM pg_stat_xact_user_tables WHERE relname = 'crm_leads'
                """).rows.first?.first?.int ?? -1
        }
        let before = try leadRowsRead()
        var results: [QueryResult] = []
        for (index, query) in batch.queries.enumerated() {
            let types = Array(repeating: "bigint", count: query.parameters.count).joined(separator: ", ")
            let values = query.parameters.map { $0 ?? "NULL" }.joined(separator: ", ")
            try db.execute("PREPARE q\(index)(\(types)) AS \(query.statement.sql)")
            results.append(try db.execute("EXECUTE q\(index)(\(values))"))
            try db.execute("DEALLOCATE q\(index)")
        }
        return (results, try leadRowsRead() - before)
    }

    /// A page at or past the last one reads no lead row at all: the total is known from the
    /// counters, and with it the page's LIMIT is 0, which PostgreSQL's Limit node answers
    /// without pulling a row from the index below it. Before, the index scan walked every live
    /// lead (or every lead of the owner) to skip them. Pages within range are unchanged.
    func testAPagePastTheEndReadsNoLeadRow() throws {
        let database = try TestDatabase(prefix: "leads_list_past_end")
        defer { database.drop() }
        let db = try database.connect()
        try seedLeads(db, count: 3_000)
        // 2,700 live leads; owner 2 has the odd i, all 1,500 of them live.
        let live = try XCTUnwrap(db.execute("SELECT count(*) FROM crm_leads WHERE deleted_at IS NULL").rows.first?.first?.int)
        let owned = try XCTUnwrap(db.execute("SELECT count(*) FROM crm_leads WHERE deleted_at IS NULL AND user_owner_id = 2").rows.first?.first?.int)
        for mode in ["force_custom_plan", "force_generic_plan"] {
            try db.execute("SET plan_cache_mode = \(mode)")
            for query in ["page=1000", "page=109", "per_page=100&page=28", "user_owner_id=2&per_page=50&page=\(owned / 50 + 1)",
                          "sort=-amount&page=5000", "page=9223372036854775807"] {
                let (results, read) = try run(try listBatch(query), on: db)
                XCTAssertEqual(results[1].rows.count, 0, "\(mode) \(query)")
                XCTAssertEqual(read, 0, "\(mode) \(query): crm_leads rows read for a page past the end")
            }
            // In range, up to the very last row: the rows a plain query gives.
            for (query, limit, offset) in [("page=108", 25, 2675), ("per_page=100&page=27", 100, 2600), ("per_page=7&page=386", 7, 2695)] {
                let (results, read) = try run(try listBatch(query), on: db)
                let expected = try db.execute("""
                    SELECT external_id FROM crm_leads WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT \(limit) OFFSET \(offset)
                    """).rows.map { $0[0].string }
                XCTAssertEqual(results[0].rows.first?.first?.int, live)
                XCTAssertEqual(results[1].rows.map { $0[0].string }, expected, "\(mode) \(query)")
                XCTAssertFalse(expected.isEmpty)
                XCTAssertGreaterThanOrEqual(read, offset, "\(mode) \(query): an in-range page still skips its offset")
            }
        }
        XCTAssertEqual(live, 2700)
    }
}
