import Dispatch
import Foundation
import HTTP
@testable import LeadsAPI
import Postgres
import XCTest

/// POST auth/token, GET auth/me, DELETE auth/token on a real PostgreSQL server: every
/// behaviour of Laravel CRM's AuthTokenTest, plus the rate limits of the login.
///
/// These call the handlers as the application does (after routing); the integrator's HTTPS
/// end-to-end versions can reuse `AuthFixtures` and the same assertions on real responses.
final class AuthEndpointTests: AuthDatabaseTestCase {
    override class var databasePrefix: String { "endpoints" }

    var worker: AuthTestWorker!
    /// Every test logs in from its own address so the login limit (6/min) is not shared.
    var client = ""

    static let incorrect =
        "{\"message\":\"The provided credentials are incorrect.\",\"errors\":{\"email\":[\"The provided credentials are incorrect.\"]}}"

    override func setUpWithError() throws {
        try super.setUpWithError()
        worker = try AuthTestWorker(database: database, configuration: APIConfiguration())
        client = "10.\(UInt8.random(in: 0...255)).\(UInt8.random(in: 0...255)).\(UInt8.random(in: 1...254))"
    }

    private func login(_ json: String?, userAgent: String? = nil, contentType: String? = "application/json") -> HTTPResponse? {
        worker.issueToken(AuthTestRequests.login(json, client: client, userAgent: userAgent, contentType: contentType))
    }

    private func text(_ response: HTTPResponse?) -> String { String(decoding: response?.body ?? [], as: UTF8.self) }

    private func tokenCount(_ userID: Int64) throws -> String? {
        try fixtures.scalar("SELECT count(*) FROM personal_access_tokens WHERE tokenable_id = $1", [String(userID)])
    }

    /// The `token` of a 201 body.
    private func issuedToken(_ response: HTTPResponse?) -> String? {
        guard let response, response.status == 201,
              let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else { return nil }
        return object["token"] as? String
    }

    func testValidCredentialsIssueAToken() throws {
        let userID = try fixtures.user("valid@example.com", password: "correct horse", name: "Valid User")
        let response = login("{\"email\":\"valid@example.com\",\"password\":\"correct horse\",\"device_name\":\"phpunit\"}")
        XCTAssertEqual(response?.status, 201)
        XCTAssertEqual(response?.headers["Content-Type"], "application/json")
        let body = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response?.body ?? [])) as? [String: Any])
        XCTAssertEqual(body.keys.sorted(), ["token", "user"])
        let user = try XCTUnwrap(body["user"] as? [String: Any])
        XCTAssertEqual(user["id"] as? Int, Int(userID))
        XCTAssertEqual(user["name"] as? String, "Valid User")
        XCTAssertEqual(user["email"] as? String, "valid@example.com")
        XCTAssertTrue(text(response).contains("\"user\":{\"id\":\(userID),\"name\":\"Valid User\",\"email\":\"valid@example.com\"}"))

        let token = try XCTUnwrap(body["token"] as? String)
        guard case .withID(let id, let secret)? = SanctumToken.parse(Substring(token)) else { return XCTFail("token shape") }
        XCTAssertEqual(secret.utf8.count, 48)
        XCTAssertEqual(String(secret.suffix(8)), CRC32.hex(secret.prefix(40).utf8))
        let row = try fixtures.connection.execute(
            "SELECT tokenable_type, tokenable_id, name, token, abilities, created_at IS NOT NULL FROM personal_access_tokens WHERE id = $1",
            [String(id)]).rows[0].map(\.string)
        XCTAssertEqual(row, ["App\\Models\\User", String(userID), "phpunit", SanctumToken.hash(secret: String(secret)), "[\"*\"]", "t"])
        // The row is what PostgreSQL's own sha256 of the secret gives, as Sanctum would check it.
        XCTAssertEqual(try fixtures.scalar("SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", [String(secret)]), row[3])

        // The rate-limit headers of the stricter (login) counter.
        XCTAssertEqual(response?.headers["X-RateLimit-Limit"], "6")
        XCTAssertEqual(response?.headers["X-RateLimit-Remaining"], "5")

        // The new token works, and me answers with the user.
        guard case .admitted(let authenticated, _)? = worker.admit(AuthTestRequests.make(bearer: token)) else {
            return XCTFail("the issued token must authenticate")
        }
        let me = worker.sync { w, done in w.handlers.me(AuthTestRequests.make(bearer: token), user: authenticated, respond: done) }
        XCTAssertEqual(me?.status, 200)
        XCTAssertEqual(text(me), "{\"user\":{\"id\":\(userID),\"name\":\"Valid User\",\"email\":\"valid@example.com\"}}")
    }

    func testTokenNameFallsBackToUserAgentThenDefault() throws {
        let userID = try fixtures.user("names@example.com")
        let agent = login("{\"email\":\"names@example.com\",\"password\":\"secret-password\"}", userAgent: "curl/8.5.0")
        XCTAssertEqual(agent?.status, 201)
        let plain = login("{\"email\":\"names@example.com\",\"password\":\"secret-password\",\"device_name\":null}")
        XCTAssertEqual(plain?.status, 201)
        XCTAssertEqual(try fixtures.scalar(
            "SELECT string_agg(name, ',' ORDER BY id) FROM personal_access_tokens WHERE tokenable_id = $1", [String(userID)]),
            "curl/8.5.0,api-token")
    }

    func testWrongPasswordIs422AndIssuesNoToken() throws {
        let userID = try fixtures.user("wrong@example.com")
        let response = login("{\"email\":\"wrong@example.com\",\"password\":\"not-it\"}")
        XCTAssertEqual(response?.status, 422)
        XCTAssertEqual(text(response), Self.incorrect)
        XCTAssertEqual(try tokenCount(userID), "0")
    }

    func testUnknownEmailIs422() throws {
        let response = login("{\"email\":\"nobody@example.com\",\"password\":\"whatever\"}")
        XCTAssertEqual(response?.status, 422)
        XCTAssertEqual(text(response), Self.incorrect)
        XCTAssertEqual(try fixtures.scalar("SELECT count(*) FROM personal_access_tokens t JOIN users u ON u.id = t.tokenable_id WHERE u.email = 'nobody@example.com'"), "0")
    }

    func testEmptyBodyIs422OnEmail() throws {
        let response = login(nil)
        XCTAssertEqual(response?.status, 422)
        XCTAssertEqual(text(response),
                       "{\"message\":\"The email field is required. (and 1 more error)\",\"errors\":{\"email\":[\"The email field is required.\"],\"password\":[\"The password field is required.\"]}}")
        XCTAssertNotNil(response?.headers["X-RateLimit-Remaining"])
    }

    func testUserWithoutCRMAccessIs422AndIssuesNoToken() throws {
        let userID = try fixtures.user("no-crm@example.com", crmAccess: false)
        let response = login("{\"email\":\"no-crm@example.com\",\"password\":\"secret-password\"}")
        XCTAssertEqual(response?.status, 422)
        XCTAssertEqual(text(response), Self.incorrect)
        XCTAssertEqual(try tokenCount(userID), "0")
    }

    func testMalformedBodyAndWrongMediaType() throws {
        XCTAssertEqual(login("{\"email\":")?.status, 400)
        XCTAssertEqual(text(login("[1]")), "{\"message\":\"Malformed JSON body.\"}")
        let form = login("email=a%40b.co&password=x", contentType: "application/x-www-form-urlencoded")
        XCTAssertEqual(form?.status, 415)
        XCTAssertEqual(text(form), "{\"message\":\"Unsupported Media Type.\"}")
    }

    func testLoginIsLimitedToSixAMinutePerAddress() throws {
        try fixtures.user("limited@example.com")
        try fixtures.waitForRoomInWindow(margin: 20)
        var statuses: [Int] = []
        var remaining: [String] = []
        for _ in 0..<7 {
            let response = login("{\"email\":\"limited@example.com\",\"password\":\"nope\"}")
            statuses.append(response?.status ?? 0)
            remaining.append(response?.headers["X-RateLimit-Remaining"] ?? "-")
            if response?.status == 429 {
                XCTAssertEqual(text(response), "{\"message\":\"Too Many Attempts.\"}")
                XCTAssertEqual(response?.headers["X-RateLimit-Limit"], "6")
                XCTAssertNotNil(response?.headers["Retry-After"])
                XCTAssertNotNil(response?.headers["X-RateLimit-Reset"])
            }
        }
        XCTAssertEqual(statuses, [422, 422, 422, 422, 422, 422, 429])
        XCTAssertEqual(remaining, ["5", "4", "3", "2", "1", "0", "0"])
        // Counted against the guest counter of the address too.
        XCTAssertEqual(try fixtures.scalar("SELECT sum(hits) FROM leadsd_rate_limits WHERE key = $1", ["ip:" + client]), "7")
    }

    func testRevokeDeletesTheTokenUsed() throws {
        let userID = try fixtures.user("revoke@example.com")
        let kept = try fixtures.token(for: userID)
        let token = try XCTUnwrap(issuedToken(login("{\"email\":\"revoke@example.com\",\"password\":\"secret-password\"}")))
        guard case .admitted(let user, _)? = worker.admit(AuthTestRequests.make("DELETE", "/crm/api/v2/auth/token", bearer: token)) else {
            return XCTFail("expected admitted")
        }
        let response = worker.sync { w, done in
            w.handlers.revoke(AuthTestRequests.make("DELETE", "/crm/api/v2/auth/token", bearer: token), user: user, respond: done)
        }
        XCTAssertEqual(response?.status, 204)
        XCTAssertEqual(response?.body, [])
        XCTAssertNil(try fixtures.scalar("SELECT id FROM personal_access_tokens WHERE id = $1", [String(user.tokenID)]))
        // Then the token is refused, and the user's other token still works.
        guard case .unauthenticated? = worker.admit(AuthTestRequests.make(bearer: token)) else {
            return XCTFail("a revoked token must be refused")
        }
        guard case .admitted? = worker.admit(AuthTestRequests.make(bearer: kept.plaintext)) else {
            return XCTFail("another token of the user is unaffected")
        }
    }

    func testMeAndRevokeRefuseUsersWithoutCRMAccess() throws {
        let user = AuthenticatedUser(userID: 1, name: "x", email: "x@example.com", crmAccess: false, tokenID: 1, abilities: nil)
        let me = worker.sync { w, done in w.handlers.me(AuthTestRequests.make(), user: user, respond: done) }
        XCTAssertEqual(me?.status, 403)
        XCTAssertEqual(text(me), "{\"message\":\"This action is unauthorized.\"}")
    }

    func testBcryptDoesNotBlockTheWorkerQueue() throws {
        // An unknown email costs a cost-12 bcrypt (the decoy, ~250 ms). While it runs, the
        // worker queue must stay free for every other connection of the worker: a block sent
        // to the queue at any moment of the login runs at once.
        let w = worker!
        let handlers = Unchecked(w.handlers)
        let answered = DispatchSemaphore(value: 0)
        let request = AuthTestRequests.login("{\"email\":\"unknown-slow@example.com\",\"password\":\"x\"}", client: client)
        let started = Date()
        w.queue.async { handlers.value.issueToken(request) { _ in answered.signal() } }
        var seenPending = false
        var slowest = 0.0
        while answered.wait(timeout: .now() + 0.002) == .timedOut {
            guard Date().timeIntervalSince(started) < 10 else { return XCTFail("no answer") }
            let probeStart = Date()
            let pending = w.queue.sync(execute: { handlers.value.passwordChecks.pending })
            slowest = max(slowest, Date().timeIntervalSince(probeStart))
            if pending > 0 { seenPending = true }
        }
        let total = Date().timeIntervalSince(started)
        XCTAssertTrue(seenPending, "the bcrypt check was seen in flight")
        XCTAssertGreaterThan(total, 0.15, "the login took a bcrypt check's time")
        XCTAssertLessThan(slowest, 0.1, "the worker queue answered at once while bcrypt ran (slowest \(slowest)s of \(total)s)")
    }

    func testUnknownEmailAndWrongPasswordCostTheSameBcryptWork() throws {
        // Hashed at cost 10 (Laravel 10's default), not the decoy's initial 12: the worker
        // must notice the install's cost and make its decoy match, or unknown emails would take
        // four times as long as wrong passwords.
        worker = try AuthTestWorker(database: database, configuration: APIConfiguration(guestRateLimit: 100, loginRateLimit: 100))
        let hash = PasswordHasher.hash("right", cost: 10)!
        try fixtures.connection.execute(
            "INSERT INTO users (name, email, password, crm_access) VALUES ('T', 'timing@example.com', $1, true)", [hash])
        func time(_ email: String) -> Double {
            let start = Date()
            let response = login("{\"email\":\"\(email)\",\"password\":\"wrong\"}")
            XCTAssertEqual(response?.status, 422)
            return Date().timeIntervalSince(start)
        }
        _ = time("timing@example.com")
        Thread.sleep(forTimeInterval: 0.3)
        let known = (0..<3).map { _ in time("timing@example.com") }.min()!
        let unknown = (0..<3).map { _ in time("timing-nobody@example.com") }.min()!
        XCTAssertGreaterThan(unknown, 0.01, "an unknown email still costs a bcrypt check")
        XCTAssertLessThan(abs(known - unknown) / max(known, unknown), 0.5, "known \(known)s vs unknown \(unknown)s")
    }
}
