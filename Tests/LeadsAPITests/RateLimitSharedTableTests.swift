import Dispatch
import Foundation
import HTTP
@testable import LeadsAPI
import Postgres
import XCTest

/// The shared counters on a real PostgreSQL server, with two "workers" (two serial queues,
/// each with its own connections) counting against one table.
final class RateLimitSharedTableTests: AuthDatabaseTestCase {
    override class var databasePrefix: String { "ratelimit" }



    /// Fires `count` admits spread round-robin over `workers`, all at once; returns outcomes.
    private func burst(_ count: Int, over workers: [AuthTestWorker], request: @escaping @Sendable (Int) -> HTTPRequest) -> [GateOutcome] {
        let group = DispatchGroup()
        let outcomes = ResultBox<[GateOutcome]>()
        outcomes.set([])
        let lock = NSLock()
        for index in 0..<count {
            let worker = workers[index % workers.count]
            group.enter()
            worker.queue.async {
                worker.gate.admit(request(index)) { outcome in
                    lock.lock()
                    outcomes.set((outcomes.get() ?? []) + [outcome])
                    lock.unlock()
                    group.leave()
                }
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success, "every request answered")
        return outcomes.get() ?? []
    }

    func testFiftyParallelRequestsOverTwoWorkersAdmitExactlyTheLimit() throws {
        let configuration = APIConfiguration(rateLimit: 10)
        let workers = [
            try AuthTestWorker(database: database, configuration: configuration, label: "worker-1"),
            try AuthTestWorker(database: database, configuration: configuration, label: "worker-2"),
        ]
        let userID = try fixtures.user("burst@example.com")
        let token = try fixtures.token(for: userID)
        let second = try fixtures.token(for: userID)
        try fixtures.waitForRoomInWindow(margin: 15)

        let outcomes = burst(50, over: workers) { _ in AuthTestRequests.make(bearer: token.plaintext) }
        XCTAssertEqual(outcomes.count, 50)
        var admitted = 0, limited = 0
        var remainingSeen: Set<Int> = []
        for outcome in outcomes {
            switch outcome {
            case .admitted(_, let status): admitted += 1; remainingSeen.insert(status.remaining)
            case .limited(let status): limited += 1; XCTAssertEqual(status.remaining, 0)
            default: XCTFail("unexpected \(outcome)")
            }
        }
        XCTAssertEqual(admitted, 10, "exactly the limit gets through")
        XCTAssertEqual(limited, 40)
        XCTAssertEqual(remainingSeen, Set(0...9), "each admitted request saw its own count")
        XCTAssertEqual(try fixtures.scalar("SELECT sum(hits) FROM leadsd_rate_limits WHERE key = $1", ["t:\(token.id)"]), "50")

        // A second token of the same user is unaffected.
        guard case .admitted(_, let status)? = workers[1].admit(AuthTestRequests.make(bearer: second.plaintext)) else {
            return XCTFail("the second token must be admitted")
        }
        XCTAssertEqual(status.remaining, 9)
    }

    func testALoopOfBadTokensFromOneAddressIsCutOff() throws {
        let configuration = APIConfiguration(guestRateLimit: 5)
        let worker = try AuthTestWorker(database: database, configuration: configuration)
        let client = "192.0.2.99"
        try fixtures.waitForRoomInWindow()
        var statuses: [RateLimitStatus] = []
        for attempt in 0..<9 {
            guard case .unauthenticated(let status)? = worker.admit(
                AuthTestRequests.make(bearer: "\(attempt + 1)|guess\(attempt)", client: client)) else {
                return XCTFail("expected unauthenticated")
            }
            statuses.append(status)
        }
        XCTAssertEqual(statuses.map(\.exceeded), [false, false, false, false, false, true, true, true, true])
        XCTAssertEqual(statuses.prefix(5).map(\.remaining), [4, 3, 2, 1, 0])
        // The caller turns an exceeded guest status into 429 with these headers.
        var response = HTTPResponse.message(429, "Too Many Attempts.")
        statuses[5].apply(to: &response)
        XCTAssertEqual(response.headers["X-RateLimit-Remaining"], "0")
        XCTAssertNotNil(response.headers["Retry-After"])
        XCTAssertNotNil(response.headers["X-RateLimit-Reset"])
        // Another address is not affected.
        guard case .unauthenticated(let other)? = worker.admit(AuthTestRequests.make(bearer: "1|x", client: "192.0.2.100")) else {
            return XCTFail("expected unauthenticated")
        }
        XCTAssertFalse(other.exceeded)
    }

    func testCountGuestUsesTheAddressCounter() throws {
        let worker = try AuthTestWorker(database: database, configuration: APIConfiguration(guestRateLimit: 2))
        try fixtures.waitForRoomInWindow()
        let results: [GateOutcome?] = (0..<3).map { _ in
            worker.sync { w, done in w.gate.countGuest(AuthTestRequests.make("GET", "/nope", client: "192.0.2.5"), completion: done) }
        }
        let exceeded = results.map { outcome -> Bool? in
            if case .unauthenticated(let s)? = outcome { return s.exceeded }
            return nil
        }
        XCTAssertEqual(exceeded, [false, false, true])
    }

    func testJanitorDeletesOnlyOldWindows() throws {
        let worker = try AuthTestWorker(database: database, configuration: APIConfiguration())
        try fixtures.connection.execute("""
            INSERT INTO leadsd_rate_limits (key, window_start, hits) VALUES
              ('janitor:old', (floor(extract(epoch FROM now()) / 60) * 60)::bigint - 600, 3),
              ('janitor:previous', (floor(extract(epoch FROM now()) / 60) * 60)::bigint - 60, 3),
              ('janitor:current', (floor(extract(epoch FROM now()) / 60) * 60)::bigint, 3)
            """)
        let janitor = RateLimitJanitor(runner: worker.runner)
        let deleted: Int? = worker.sync { _, done in
            janitor.sweep { result in done((try? result.get()) ?? -1) }
        }
        XCTAssertGreaterThanOrEqual(deleted ?? -1, 1)
        XCTAssertEqual(try fixtures.scalar("SELECT string_agg(key, ',' ORDER BY key) FROM leadsd_rate_limits WHERE key LIKE 'janitor:%'"),
                       "janitor:current,janitor:previous")
    }

    func testMigrationIsRepeatable() throws {
        let sql = try String(contentsOfFile: AuthTestDatabase.packageRoot + "/sql/020_leadsd_rate_limits.sql", encoding: .utf8)
        try fixtures.connection.execute(sql)
        XCTAssertEqual(try fixtures.scalar("SELECT relpersistence FROM pg_class WHERE relname = 'leadsd_rate_limits'"), "u")
        XCTAssertEqual(try fixtures.scalar(
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relname = 'leadsd_rate_limits'"), "1")
    }
}
