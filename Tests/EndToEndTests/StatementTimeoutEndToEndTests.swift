import Foundation
import Postgres
import TestSupport
import XCTest

/// `--db-statement-timeout`: a statement that runs past it is cancelled by PostgreSQL, the
/// request is answered 503 (the client may retry), and the connection serves the next request.
final class StatementTimeoutEndToEndTests: XCTestCase {
    func testAStatementOverTheTimeoutIs503AndFreesTheConnection() throws {
        // One worker with one connection: the request after the timeout must use the same one.
        let environment = try EndToEndEnvironment(
            prefix: "statement_timeout", arguments: ["--workers", "1", "--db-pool-size", "1", "--db-statement-timeout", "1"])
        defer { environment.tearDown() }
        let client = try environment.client()
        let leads = EndToEndEnvironment.leads
        let token = environment.fixture.full
        XCTAssertEqual(try client.json("GET", leads, token: token).status, 200)

        // A writer holds the leads table: the list's page waits for the lock, past the timeout.
        let holder = try environment.connect()
        defer { holder.close() }
        try holder.execute("BEGIN")
        try holder.execute("LOCK TABLE crm_leads IN ACCESS EXCLUSIVE MODE")
        let started = Date()
        let blocked = try client.json("GET", leads, token: token)
        let waited = Date().timeIntervalSince(started)
        XCTAssertEqual(blocked.status, 503, blocked.text)
        XCTAssertEqual(blocked.text, #"{"message":"Service Unavailable."}"#)
        XCTAssertNotNil(blocked.header("Retry-After"))
        XCTAssertGreaterThan(waited, 0.9, "cancelled by the 1 s statement_timeout, not before")
        XCTAssertLessThan(waited, 4, "cancelled by the 1 s statement_timeout, not by the 5 s default")
        try holder.execute("COMMIT")

        // The same (only) connection answers at once: nothing of the cancelled statement is left.
        let after = Date()
        XCTAssertEqual(try client.json("GET", leads, token: token).status, 200)
        XCTAssertLessThan(Date().timeIntervalSince(after), 1)
        let waiting = try environment.scalar("""
            SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'leadsd' AND state <> 'idle'
            """)
        XCTAssertEqual(waiting, "0", "no leadsd statement is still running")
    }
}
