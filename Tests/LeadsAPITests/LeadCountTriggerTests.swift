import Dispatch
import Foundation
@testable import LeadsAPI
import Migrations
import Postgres
import TestSupport
import XCTest

/// sql/030: the trigger-kept counts of live leads stay exact whoever writes crm_leads, and the
/// list's `total` (read from them) follows writes made behind leadsd's back.
final class LeadCountTriggerTests: XCTestCase {
    /// Every (scope, team, owner) whose kept count differs from a COUNT(*) of the rows; empty
    /// when the counters are exact. Zero counters may linger and are ignored.
    static let mismatches = """
        WITH kept AS (
            SELECT scope, team_id, owner_id, sum(live) AS n FROM leadsd_lead_counts
            GROUP BY 1, 2, 3 HAVING sum(live) <> 0
        ), actual AS (
            SELECT 0 AS scope, 0::bigint AS team_id, 0::bigint AS owner_id, count(*) AS n
                FROM crm_leads WHERE deleted_at IS NULL HAVING count(*) > 0
            UNION ALL SELECT 1, 0, user_owner_id, count(*) FROM crm_leads
                WHERE deleted_at IS NULL AND user_owner_id IS NOT NULL GROUP BY user_owner_id
            UNION ALL SELECT 2, team_id, 0, count(*) FROM crm_leads
                WHERE deleted_at IS NULL AND team_id IS NOT NULL GROUP BY team_id
            UNION ALL SELECT 3, team_id, user_owner_id, count(*) FROM crm_leads
                WHERE deleted_at IS NULL AND team_id IS NOT NULL AND user_owner_id IS NOT NULL GROUP BY team_id, user_owner_id
        )
        SELECT coalesce(string_agg(format('scope %s team %s owner %s: kept %s, rows %s',
                                          scope, team_id, owner_id, k.n, a.n), '; '), '')
        FROM kept k FULL JOIN actual a USING (scope, team_id, owner_id)
        WHERE k.n IS DISTINCT FROM a.n
        """

    private func assertExact(_ db: BlockingConnection, _ step: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try db.scalar(Self.mismatches), "", "after \(step)", file: file, line: line)
    }

    /// The list's own count statement, as LeadsController runs it.
    private func total(_ db: BlockingConnection, owner: Int64? = nil, team: Int64? = nil) throws -> Int? {
        let statements = LeadStatements(tablePrefix: "crm_")
        return try db.execute(statements.count.sql, [owner.map { String($0) }, team.map { String($0) }]).rows.first?.first?.int
    }

    func testDirectSQLWritesOfEveryKindKeepTheCountsExact() throws {
        let database = try TestDatabase(prefix: "leads_counts_direct")
        defer { database.drop() }
        let db = try database.connect()
        try db.execute(LeadsFixture.seed)
        try assertExact(db, "migration on an empty table")
        XCTAssertEqual(try total(db), 0)

        // What Laravel CRM's Eloquent does, one row at a time and in bulk.
        try db.execute("""
            INSERT INTO crm_leads (external_id, title, user_owner_id, team_id, number, deleted_at)
            SELECT 'bulk-' || i, 'Lead ' || i, CASE WHEN i % 3 = 0 THEN NULL ELSE 1 + i % 2 END,
                   CASE WHEN i % 4 = 0 THEN 7 END, 1000 + i, CASE WHEN i % 10 = 0 THEN now() END
            FROM generate_series(1, 200) AS i
            """)
        try assertExact(db, "bulk insert")
        XCTAssertEqual(try total(db), 180)
        try db.execute("INSERT INTO crm_leads (external_id, title, user_owner_id) VALUES ('one', 'One', 2)")
        try assertExact(db, "single insert")
        XCTAssertEqual(try total(db), 181)

        try db.execute("UPDATE crm_leads SET deleted_at = now() WHERE external_id IN ('one', 'bulk-1', 'bulk-2')")
        try assertExact(db, "soft delete")
        XCTAssertEqual(try total(db), 178)
        try db.execute("UPDATE crm_leads SET deleted_at = NULL WHERE external_id IN ('bulk-1', 'bulk-10', 'bulk-20')")
        try assertExact(db, "restore")
        XCTAssertEqual(try total(db), 181)
        try db.execute("UPDATE crm_leads SET deleted_at = now() WHERE deleted_at IS NOT NULL")
        try assertExact(db, "re-deleting deleted rows")
        XCTAssertEqual(try total(db), 181)

        let ownerTwoBefore = try XCTUnwrap(try total(db, owner: 2))
        try db.execute("UPDATE crm_leads SET user_owner_id = 2 WHERE external_id IN ('bulk-3', 'bulk-5')")
        try assertExact(db, "owner change (one from none, one already owner 2)")
        XCTAssertEqual(try total(db, owner: 2), ownerTwoBefore + 1)
        try db.execute("UPDATE crm_leads SET user_owner_id = NULL WHERE external_id = 'bulk-4'")
        try db.execute("UPDATE crm_leads SET team_id = 8 WHERE external_id IN ('bulk-4', 'bulk-8')")
        try assertExact(db, "owner cleared, team change")
        try db.execute("UPDATE crm_leads SET title = 'Renamed', updated_at = now()")
        try assertExact(db, "update of unrelated columns")
        try db.execute("UPDATE crm_leads SET id = id + 100000 WHERE external_id = 'bulk-7'")
        try assertExact(db, "update of the primary key")
        try db.execute("""
            INSERT INTO crm_leads (id, external_id, title, user_owner_id) VALUES
                ((SELECT id FROM crm_leads WHERE external_id = 'bulk-9'), 'bulk-9', 'Upserted', 1),
                (999999, 'fresh', 'Fresh', 1)
            ON CONFLICT (id) DO UPDATE SET user_owner_id = 2, deleted_at = now()
            """)
        try assertExact(db, "upsert (one update, one insert)")

        try db.execute("DELETE FROM crm_leads WHERE external_id IN ('bulk-11', 'bulk-12', 'bulk-30')")
        try assertExact(db, "hard delete (live and deleted rows)")
        try db.execute("BEGIN; INSERT INTO crm_leads (external_id, title) VALUES ('rolled-back', 'x'); ROLLBACK")
        try assertExact(db, "rolled back insert")

        // leadsd's own statements write the same table.
        let statements = LeadStatements(tablePrefix: "crm_")
        var input = LeadInput()
        input.title = .value("Through leadsd")
        input.userOwnerID = .value(1)
        let externalID = SecureRandom.uuidV4()
        XCTAssertEqual(try db.execute(statements.create.sql, LeadParameters.create(input, externalID: externalID, userID: 1, team: nil)).rows.first?.first?.int, 1)
        try assertExact(db, "leadsd create")
        XCTAssertEqual(try db.execute(statements.delete.sql, [externalID, "1", nil]).rows.count, 1)
        try assertExact(db, "leadsd delete")

        XCTAssertGreaterThan(try XCTUnwrap(try total(db)), 100)
        try db.execute("TRUNCATE crm_leads")
        try assertExact(db, "truncate")
        XCTAssertEqual(try total(db), 0)
        XCTAssertEqual(try total(db, owner: 1), 0)
        XCTAssertEqual(try total(db, team: 7), 0)
    }

    /// An install that had leads before the migration: the counters start from its rows.
    func testMigrationFillsTheCountsOfAnExistingDatabase() throws {
        let database = try TestDatabase(prefix: "leads_counts_backfill")
        defer { database.drop() }
        let db = try database.connect()
        // Back to the state before 030 (the throwaway database was migrated to the end).
        try db.execute("""
            DROP TRIGGER leadsd_count_inserted_leads ON crm_leads;
            DROP TRIGGER leadsd_count_updated_leads ON crm_leads;
            DROP TRIGGER leadsd_count_deleted_leads ON crm_leads;
            DROP TRIGGER leadsd_count_truncated_leads ON crm_leads;
            DROP TABLE leadsd_lead_counts;
            DELETE FROM leadsd_migrations WHERE version >= 30;
            INSERT INTO crm_leads (external_id, title, user_owner_id, team_id, deleted_at)
            SELECT 'old-' || i, 'Old ' || i, CASE WHEN i % 5 <> 0 THEN i % 3 END, CASE WHEN i % 2 = 0 THEN 4 END,
                   CASE WHEN i % 7 = 0 THEN now() END
            FROM generate_series(1, 500) AS i;
            """)
        let report = try MigrationRunner().run(on: db)
        XCTAssertEqual(report.applied.map(\.version), [30])
        try assertExact(db, "the migration's recount")
        XCTAssertEqual(try total(db), 500 - 71)
        try db.execute("UPDATE crm_leads SET deleted_at = now() WHERE external_id = 'old-1'")
        try assertExact(db, "a write after the migration")
    }

    /// Writers on several connections at once (each statement its own transaction): inserts,
    /// soft deletes, restores, owner changes and hard deletes interleave; the counts end exact.
    func testConcurrentWritersKeepTheCountsExact() throws {
        let database = try TestDatabase(prefix: "leads_counts_concurrent")
        defer { database.drop() }
        let db = try database.connect()
        try db.execute(LeadsFixture.seed)
        try db.execute("""
            INSERT INTO crm_leads (external_id, title, user_owner_id)
            SELECT 'seed-' || i, 'Seed', 1 + i % 2 FROM generate_series(1, 100) AS i
            """)
        let failures = LeadsStatusLog()
        let group = DispatchGroup()
        for writer in 0..<6 {
            group.enter()
            let url = database.url
            Thread.detachNewThread {
                defer { group.leave() }
                guard let connection = try? BlockingConnection(connectionString: url) else {
                    failures.append(-1, Array("connect".utf8))
                    return
                }
                var generator = SystemRandomNumberGenerator()
                for step in 0..<150 {
                    let id = String(Int.random(in: 1...100, using: &generator))
                    let sql: String
                    switch (step + writer) % 6 {
                    case 0: sql = "INSERT INTO crm_leads (external_id, title, user_owner_id, team_id) VALUES ('w\(writer)-\(step)', 'W', \(step % 3 == 0 ? "NULL" : "2"), \(step % 2 == 0 ? "NULL" : "5"))"
                    case 1: sql = "UPDATE crm_leads SET deleted_at = now() WHERE id = \(id) AND deleted_at IS NULL"
                    case 2: sql = "UPDATE crm_leads SET deleted_at = NULL WHERE id = \(id)"
                    case 3: sql = "UPDATE crm_leads SET user_owner_id = CASE WHEN user_owner_id = 1 THEN 2 ELSE 1 END WHERE id = \(id)"
                    case 4: sql = "UPDATE crm_leads SET team_id = CASE WHEN team_id IS NULL THEN 5 END WHERE id = \(id)"
                    default: sql = "DELETE FROM crm_leads WHERE id = (SELECT max(id) FROM crm_leads WHERE external_id LIKE 'w\(writer)-%')"
                    }
                    do { try connection.execute(sql) } catch { failures.append(step, Array("\(error)".utf8)) }
                }
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 120), .success)
        XCTAssertEqual(failures.statuses.count, 0, failures.bodies.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n"))
        try assertExact(db, "six concurrent writers")
    }

    /// The endpoint's `total` is the kept count, including rows written behind leadsd's back.
    func testListTotalFollowsRowsWrittenDirectly() throws {
        let environment = try LeadsIntegrationEnvironment(prefix: "counts_list")
        defer { environment.tearDown() }
        let client = environment.client
        let db = try environment.database.connect()

        func totals() -> (all: Int?, ownerTwo: Int?) {
            func total(_ target: String) -> Int? {
                (client.request("GET", client.basePath + target).object["meta"] as? [String: Any])?["total"] as? Int
            }
            let all = total("/leads?per_page=5")
            let two = total("/leads?per_page=5&user_owner_id=2")
            return (all, two)
        }
        XCTAssertEqual(totals().all, 0)
        try db.execute("INSERT INTO crm_leads (external_id, title, user_owner_id) SELECT 'd-' || i, 'D', 1 + i % 2 FROM generate_series(1, 30) AS i")
        XCTAssertEqual(totals().all, 30)
        XCTAssertEqual(totals().ownerTwo, 15)
        try db.execute("UPDATE crm_leads SET deleted_at = now() WHERE external_id IN ('d-1', 'd-2', 'd-3')")
        XCTAssertEqual(totals().all, 27)
        XCTAssertEqual(totals().ownerTwo, 13)
        XCTAssertEqual(client.request("POST", client.basePath + "/leads", json: #"{"title":"Via API","user_owner_id":2}"#).status, 201)
        XCTAssertEqual(totals().all, 28)
        XCTAssertEqual(totals().ownerTwo, 14)
        try db.execute("DELETE FROM crm_leads WHERE external_id = 'd-4'")
        XCTAssertEqual(totals().all, 27)
    }
}
