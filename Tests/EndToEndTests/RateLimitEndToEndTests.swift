#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Postgres
import TestSupport
import XCTest

/// Contract §3 through HTTPS: one shared PostgreSQL table makes the limits exact across the
/// workers of a daemon and across daemons. Two daemons (two ports, two workers each) on one
/// database; each test uses tokens and client addresses (127.0.0.x) of its own.
final class RateLimitEndToEndTests: XCTestCase {
    private static let slot = EndToEndSlot()
    private var environment: EndToEndEnvironment!
    private var fixture: EndToEndFixture { environment.fixture }
    private let leads = EndToEndEnvironment.leads
    private static let tokenLimit = 10
    private static let guestLimit = 20

    override class func setUp() {
        slot.make {
            try EndToEndEnvironment(prefix: "ratelimit", daemons: 2, arguments: [
                "--workers", "2", "--rate-limit", String(tokenLimit), "--guest-rate-limit", String(guestLimit), "--login-rate-limit", "6",
            ])
        }
    }

    override class func tearDown() { slot.tearDown() }

    override func setUpWithError() throws {
        environment = try Self.slot.get()
    }

    private func newToken() throws -> String {
        try CRMSeed(try environment.connect()).token(for: fixture.jane)
    }

    /// `count` requests with one token at once, spread over `daemons` (round robin): the statuses.
    /// Request ids are `<tag>-<index>`, so the access log tells which worker answered each.
    private func burst(_ count: Int, token: String, daemons: [DaemonAddress], tag: String = UUID().uuidString) -> [Int] {
        let path = leads + "?per_page=1"
        let results = inParallel(count) { index, barrier -> Int in
            guard let client = try? daemons[index % daemons.count].client() else { barrier(); return 0 }
            // The handshake first (on an uncounted route), so the counted requests start together.
            guard (try? client.request("GET", "/healthz"))?.status == 200 else { barrier(); return 0 }
            barrier()
            return (try? client.json("GET", path, token: token, headers: [("X-Request-Id", "\(tag)-\(index)")]))?.status ?? 0
        }
        return results.map { $0 ?? 0 }
    }

    /// The `worker` pids of the access-log lines whose request id starts with `tag`.
    private func workers(answering tag: String, in daemon: EndToEndDaemon, expected: Int) -> Set<String> {
        let deadline = Date().addingTimeInterval(5)
        var lines: [String] = []
        repeat {
            lines = daemon.process.stdout().split(separator: "\n").map(String.init).filter { $0.contains("\"\(tag)-") }
            if lines.count >= expected { break }
            usleep(50_000)
        } while Date() < deadline
        return Set(lines.compactMap { line in
            line.range(of: #""worker":[0-9]+"#, options: .regularExpression).map { String(line[$0].dropFirst(9)) }
        })
    }

    // MARK: Exactness

    func testFiftyParallelRequestsOfOneTokenOverTwoWorkersLetExactlyTheLimitThrough() throws {
        let daemon = environment.daemon
        XCTAssertEqual(daemon.process.workerPIDs().count, 2)
        let token = try newToken()
        try environment.waitForRateWindow()
        let tag = "burst-" + UUID().uuidString
        let statuses = burst(50, token: token, daemons: [daemon.address], tag: tag)
        XCTAssertEqual(statuses.filter { $0 == 200 }.count, Self.tokenLimit, "\(statuses)")
        XCTAssertEqual(statuses.filter { $0 == 429 }.count, 50 - Self.tokenLimit, "\(statuses)")
        XCTAssertEqual(workers(answering: tag, in: daemon, expected: 50).count, 2, "both workers answered some of the burst")
        let hits = try environment.scalar("SELECT sum(hits) FROM leadsd_rate_limits WHERE key = $1", ["t:" + token.split(separator: "|")[0]])
        XCTAssertEqual(hits, "50", "every request was counted in one window row")
    }

    func testTwoDaemonsOnOneDatabaseShareTheLimit() throws {
        let token = try newToken()
        try environment.waitForRateWindow()
        let statuses = burst(50, token: token, daemons: environment.daemons.map(\.address))
        XCTAssertEqual(statuses.filter { $0 == 200 }.count, Self.tokenLimit, "\(statuses)")
        XCTAssertEqual(statuses.filter { $0 == 429 }.count, 50 - Self.tokenLimit, "\(statuses)")
    }

    func testASecondTokenIsUnaffectedAndHeadersCountDown() throws {
        let first = try newToken(), second = try newToken()
        try environment.waitForRateWindow()
        let client = try environment.client(0), other = try environment.client(1)
        for expected in stride(from: Self.tokenLimit - 1, through: 0, by: -1) {
            let response = try (expected % 2 == 0 ? client : other).json("GET", leads, token: first)
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.header("X-RateLimit-Limit"), String(Self.tokenLimit))
            XCTAssertEqual(response.header("X-RateLimit-Remaining"), String(expected))
            XCTAssertNil(response.header("Retry-After"))
        }
        let refused = try client.json("GET", leads, token: first)
        try assertTooManyAttempts(refused, limit: Self.tokenLimit)

        let unaffected = try client.json("GET", leads, token: second)
        XCTAssertEqual(unaffected.status, 200)
        XCTAssertEqual(unaffected.header("X-RateLimit-Remaining"), String(Self.tokenLimit - 1))
    }

    private func assertTooManyAttempts(_ response: HTTPSResponse, limit: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(response.status, 429, response.text, file: file, line: line)
        XCTAssertEqual(response.text, #"{"message":"Too Many Attempts."}"#, file: file, line: line)
        XCTAssertEqual(response.header("X-RateLimit-Limit"), String(limit), file: file, line: line)
        XCTAssertEqual(response.header("X-RateLimit-Remaining"), "0", file: file, line: line)
        let retryAfter = try XCTUnwrap(Int(response.header("Retry-After") ?? ""), file: file, line: line)
        XCTAssertTrue((1...60).contains(retryAfter), "Retry-After \(retryAfter)", file: file, line: line)
        let reset = try XCTUnwrap(Int(response.header("X-RateLimit-Reset") ?? ""), file: file, line: line)
        XCTAssertEqual(reset % 60, 0, "the end of a fixed minute window", file: file, line: line)
        let now = Int(Date().timeIntervalSince1970)
        XCTAssertTrue(abs(reset - retryAfter - now) <= 3, "reset \(reset) = now \(now) + Retry-After \(retryAfter)", file: file, line: line)
    }

    // MARK: Per client IP

    func testALoopOfBadTokensFromOneAddressIsCutOffWith429() throws {
        try environment.waitForRateWindow()
        let client = try environment.client(0, from: "127.0.0.21")
        var statuses: [Int] = []
        var refusal: HTTPSResponse?
        for attempt in 0..<(Self.guestLimit + 5) {
            let response = try client.json("GET", leads, token: "\(attempt + 1)|guess\(attempt)")
            statuses.append(response.status)
            if response.status == 401 {
                XCTAssertEqual(response.header("X-RateLimit-Limit"), String(Self.guestLimit))
                XCTAssertEqual(response.header("X-RateLimit-Remaining"), String(Self.guestLimit - attempt - 1))
            } else if refusal == nil {
                refusal = response
            }
        }
        XCTAssertEqual(statuses, Array(repeating: 401, count: Self.guestLimit) + Array(repeating: 429, count: 5))
        try assertTooManyAttempts(try XCTUnwrap(refusal), limit: Self.guestLimit)

        // The other daemon counts in the same row; a real token from the same address still works.
        let elsewhere = try environment.client(1, from: "127.0.0.21")
        XCTAssertEqual(try elsewhere.json("GET", leads, token: nil).status, 429)
        XCTAssertEqual(try elsewhere.json("GET", leads, token: try newToken()).status, 200)
        // Another address is not affected.
        let neighbour = try environment.client(0, from: "127.0.0.27")
        XCTAssertEqual(try neighbour.json("GET", leads, token: "1|guess").status, 401)
    }

    func testPostAuthTokenIsLimitedToSixAMinutePerAddress() throws {
        try environment.waitForRateWindow()
        let client = try environment.client(0, from: "127.0.0.22")
        let wrong = #"{"email":"jane@example.test","password":"wrong"}"#
        for attempt in 1...6 {
            let response = try client.json("POST", EndToEndEnvironment.base + "/auth/token", token: nil, body: wrong)
            XCTAssertEqual(response.status, 422, "attempt \(attempt)")
            XCTAssertEqual(response.header("X-RateLimit-Limit"), "6", "the stricter limit's headers")
            XCTAssertEqual(response.header("X-RateLimit-Remaining"), String(6 - attempt))
        }
        let right = #"{"email":"jane@example.test","password":"\#(CRMSeed.password)"}"#
        let refused = try environment.client(1, from: "127.0.0.22").json("POST", EndToEndEnvironment.base + "/auth/token", token: nil, body: right)
        try assertTooManyAttempts(refused, limit: 6)
        let other = try environment.client(0, from: "127.0.0.28").json("POST", EndToEndEnvironment.base + "/auth/token", token: nil, body: right)
        XCTAssertEqual(other.status, 201, other.text)
    }

    func testUnknownRoutesAreCountedAgainstTheAddressButOpenAPIAndHealthAreNot() throws {
        try environment.waitForRateWindow()
        let client = try environment.client(0, from: "127.0.0.23")
        for _ in 0..<(Self.guestLimit + 5) {
            let document = try client.request("GET", EndToEndEnvironment.base + "/openapi.json")
            XCTAssertEqual(document.status, 200)
            XCTAssertNil(document.header("X-RateLimit-Limit"))
            XCTAssertEqual(try client.request("GET", "/healthz").status, 200)
            XCTAssertEqual(try client.request("GET", "/readyz").status, 200)
        }
        let unknown = try client.request("GET", EndToEndEnvironment.base + "/nothing")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.header("X-RateLimit-Remaining"), String(Self.guestLimit - 1), "the first counted request")
    }

    /// Refusals show in /metrics by limit (token, guest, login).
    func testRejectionsAreCountedInMetrics() throws {
        let daemon = environment.daemons[1]
        let sample = { (limit: String) in daemon.metric(#"leadsd_rate_limit_rejections_total{limit="\#(limit)"}"#) }
        let tokenBefore = sample("token"), guestBefore = sample("guest"), loginBefore = sample("login")
        try environment.waitForRateWindow()
        let client = try daemon.client(from: "127.0.0.24")
        let token = try newToken()
        for _ in 0...Self.tokenLimit { _ = try client.json("GET", leads, token: token) }
        for _ in 0...Self.guestLimit { _ = try client.json("GET", leads, token: nil) }
        let wrong = #"{"email":"jane@example.test","password":"wrong"}"#
        let login = try daemon.client(from: "127.0.0.25")
        for _ in 0...6 { _ = try login.json("POST", EndToEndEnvironment.base + "/auth/token", token: nil, body: wrong) }
        XCTAssertEqual(sample("token"), tokenBefore + 1)
        XCTAssertEqual(sample("guest"), guestBefore + 1)
        XCTAssertEqual(sample("login"), loginBefore + 1)

        // Requests by route pattern and status; a raw path never becomes a label.
        let stray = "/stray-" + UUID().uuidString
        _ = try daemon.client(from: "127.0.0.26").request("GET", stray)
        XCTAssertGreaterThanOrEqual(daemon.metric(#"leadsd_http_requests_total{route="/crm/api/v2/leads",status="429"}"#), 2)
        XCTAssertGreaterThanOrEqual(daemon.metric(#"leadsd_http_requests_total{route="/crm/api/v2/auth/token",status="429"}"#), 1)
        XCTAssertFalse(daemon.metrics().contains(stray))
    }
}
