import Dispatch
import Foundation
import HTTP
@testable import LeadsAPI
import Postgres
import XCTest

/// `DatabaseAccessGate.admit(_:along:)`: the gate's statement and the request's read in one
/// round trip, the read handed over only to an admitted request.
final class AuthGateReadAlongTests: XCTestCase {
    /// The read: this token's counter as the read sees it, and a sequence step that shows
    /// whether the read ran at all.
    static let probe = PreparedStatement(name: "probe", sql: """
        SELECT (SELECT hits FROM leadsd_rate_limits WHERE key = 't:' || $1::text ORDER BY window_start DESC LIMIT 1),
               nextval('probe_runs'), 100 / $2::int8
        """)

    private var database: AuthTestDatabase!
    private var fixtures: AuthFixtures!

    override func setUpWithError() throws {
        database = try AuthTestDatabase(prefix: "read_along")
        fixtures = AuthFixtures(connection: try database.connect())
        try fixtures.connection.execute("CREATE SEQUENCE probe_runs")
    }

    override func tearDown() { database?.drop() }

    private func admit(_ request: HTTPRequest, tokenID: Int64, divisor: Int = 1) throws
        -> (GateOutcome, Result<[QueryResult], PostgresError>?) {
        let queue = DispatchQueue(label: "test.read-along")
        let pool = PostgresPool(
            configuration: PostgresConfiguration(connectionString: database.url, poolSize: 2),
            statements: DatabaseAccessGate.preparedStatements + [Self.probe], queue: queue)
        let gate = DatabaseAccessGate(configuration: APIConfiguration(), pool: pool)
        queue.sync { pool.start() }
        defer {
            let done = DispatchSemaphore(value: 0)
            queue.async { pool.shutdown { done.signal() } }
            _ = done.wait(timeout: .now() + 5)
        }
        let deadline = Date().addingTimeInterval(10)
        while !queue.sync(execute: { pool.isReady }) {
            guard Date() < deadline else { throw TestSetupError("the pool did not connect within 10 s") }
            Thread.sleep(forTimeInterval: 0.01)
        }
        let read = QueryBatch([Query(Self.probe, [String(tokenID), String(divisor)])], isReadOnly: true)
        let box = ResultBox<(GateOutcome, Result<[QueryResult], PostgresError>?)>()
        let done = DispatchSemaphore(value: 0)
        let unchecked = Unchecked(gate)
        queue.async {
            unchecked.value.admit(request, along: read) { outcome, result in
                box.set((outcome, result))
                done.signal()
            }
        }
        guard done.wait(timeout: .now() + 10) == .success, let answer = box.get() else { throw TestSetupError("no answer") }
        return answer
    }

    private func probeRuns() throws -> Int {
        Int(try fixtures.scalar("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM probe_runs") ?? "") ?? -1
    }

    func testAdmittedRequestGetsTheReadWhichSawTheGatesCount() throws {
        try fixtures.waitForRoomInWindow()
        let userID = try fixtures.user("along@example.com")
        let token = try fixtures.token(for: userID)
        let (outcome, read) = try admit(AuthTestRequests.make(bearer: token.plaintext), tokenID: token.id)
        guard case .admitted(let user, _) = outcome else { return XCTFail("expected admitted, got \(outcome)") }
        XCTAssertEqual(user.userID, userID)
        let row = try XCTUnwrap(try XCTUnwrap(read).get().first?.rows.first)
        XCTAssertEqual(row[0].int, 1, "the read ran after the gate's transaction committed")
        XCTAssertEqual(try probeRuns(), 1)
    }

    func testRefusedRequestGetsNoRead() throws {
        let userID = try fixtures.user("refused@example.com")
        let token = try fixtures.token(for: userID)
        let (outcome, read) = try admit(AuthTestRequests.make(bearer: "\(token.id)|wrong-secret"), tokenID: token.id)
        guard case .unauthenticated = outcome else { return XCTFail("expected unauthenticated, got \(outcome)") }
        XCTAssertNil(read, "a refused request's read is discarded")

        // No token at all: only the address is counted, and the read is not even sent.
        let runsBefore = try probeRuns()
        let (guest, guestRead) = try admit(AuthTestRequests.make(), tokenID: token.id)
        guard case .unauthenticated = guest else { return XCTFail("expected unauthenticated, got \(guest)") }
        XCTAssertNil(guestRead)
        XCTAssertEqual(try probeRuns(), runsBefore)
    }

    /// The read is a transaction of its own: when it fails, the request was still counted.
    func testFailingReadDoesNotUndoTheCount() throws {
        try fixtures.waitForRoomInWindow()
        let userID = try fixtures.user("failing-read@example.com")
        let token = try fixtures.token(for: userID)
        let (outcome, read) = try admit(AuthTestRequests.make(bearer: token.plaintext), tokenID: token.id, divisor: 0)
        guard case .admitted = outcome else { return XCTFail("expected admitted, got \(outcome)") }
        guard case .failure(let error)? = read else { return XCTFail("expected the read's failure, got \(String(describing: read))") }
        XCTAssertEqual(error.sqlState, "22012")
        XCTAssertEqual(try fixtures.scalar("SELECT sum(hits) FROM leadsd_rate_limits WHERE key = $1", ["t:\(token.id)"]), "1")
    }
}

/// The gate's transaction does not wait for a WAL flush (see AccessStatements).
final class AuthGateCommitModeTests: XCTestCase {
    func testGateStatementCommitsWithoutWaitingForTheDisk() throws {
        let database = try AuthTestDatabase(prefix: "commit_mode")
        defer { database.drop() }
        let db = try database.connect()
        let fixtures = AuthFixtures(connection: db)
        let token = try fixtures.token(for: try fixtures.user("commit@example.com"))
        let secret = String(token.plaintext.split(separator: "|")[1])
        try db.execute("SET synchronous_commit = on")  // a test cluster may run with it off
        try db.execute("BEGIN")
        let row = try db.execute(AccessStatements.authenticateByID.sql, [
            "App\\Models\\User", nil, "ip:192.0.2.1", SanctumToken.hash(secret: secret), String(token.id),
        ]).rows.first
        XCTAssertNotNil(row)
        XCTAssertEqual(try fixtures.scalar("SELECT current_setting('synchronous_commit')"), "off")
        try db.execute("COMMIT")
        XCTAssertEqual(try fixtures.scalar("SELECT current_setting('synchronous_commit')"), "on", "for that transaction only")
    }
}
