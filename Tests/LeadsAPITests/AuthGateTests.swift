import HTTP
@testable import LeadsAPI
import Postgres
import XCTest

/// DatabaseAccessGate on a real PostgreSQL server: Sanctum tokens written by hand in SQL.
final class AuthGateTests: AuthDatabaseTestCase {
    override class var databasePrefix: String { "gate" }



    func worker(_ configuration: APIConfiguration = APIConfiguration()) throws -> AuthTestWorker {
        try AuthTestWorker(database: database, configuration: configuration)
    }

    private func admitted(_ outcome: GateOutcome?, file: StaticString = #filePath, line: UInt = #line) -> AuthenticatedUser? {
        guard case .admitted(let user, _)? = outcome else {
            XCTFail("expected admitted, got \(String(describing: outcome))", file: file, line: line)
            return nil
        }
        return user
    }

    private func assertUnauthenticated(_ outcome: GateOutcome?, file: StaticString = #filePath, line: UInt = #line) {
        guard case .unauthenticated(let status)? = outcome else {
            return XCTFail("expected unauthenticated, got \(String(describing: outcome))", file: file, line: line)
        }
        XCTAssertEqual(status.limit, 30, "counted against the guest limit", file: file, line: line)
    }

    func testHandWrittenIDFormTokenAuthenticates() throws {
        let userID = try fixtures.user("id-form@example.com", name: "Jane \"Q\" Doe")
        let token = try fixtures.token(for: userID)
        let user = admitted(try worker().admit(AuthTestRequests.make(bearer: token.plaintext)))
        XCTAssertEqual(user?.userID, userID)
        XCTAssertEqual(user?.tokenID, token.id)
        XCTAssertEqual(user?.name, "Jane \"Q\" Doe")
        XCTAssertEqual(user?.email, "id-form@example.com")
        XCTAssertEqual(user?.crmAccess, true)
        XCTAssertNil(user?.abilities)
    }

    func testHandWrittenBareTokenAuthenticates() throws {
        let userID = try fixtures.user("bare@example.com")
        let plain = "legacyTokenWithoutABar0123456789abcdefghijklmnopqrstuvwxyz"
        let result = try fixtures.connection.execute(
            "INSERT INTO personal_access_tokens (tokenable_type, tokenable_id, name, token, abilities, created_at, updated_at) "
                + "VALUES ('App\\Models\\User', $1, 'legacy', encode(sha256(convert_to($2, 'UTF8')), 'hex'), NULL, now(), now()) RETURNING id",
            [String(userID), plain])
        let user = admitted(try worker().admit(AuthTestRequests.make(bearer: plain)))
        XCTAssertEqual(user?.tokenID, Int64(result.rows[0][0].int!))
        XCTAssertNil(user?.abilities, "a null abilities column allows everything")
    }

    func testWrongSecretIsCountedAgainstTheAddress() throws {
        let userID = try fixtures.user("wrong-secret@example.com")
        let token = try fixtures.token(for: userID)
        let w = try worker()
        let client = "198.51.100.23"
        let before = Int(try fixtures.scalar("SELECT coalesce(sum(hits), 0) FROM leadsd_rate_limits WHERE key = $1", ["ip:" + client]) ?? "0")!
        assertUnauthenticated(w.admit(AuthTestRequests.make(bearer: "\(token.id)|wrong", client: client)))
        // The right secret with a character changed.
        var tampered = Array(token.plaintext.utf8)
        tampered[tampered.count - 1] = tampered.last == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
        assertUnauthenticated(w.admit(AuthTestRequests.make(bearer: String(decoding: tampered, as: UTF8.self), client: client)))
        // Another token's id with this secret.
        let other = try fixtures.token(for: userID)
        let secret = token.plaintext.split(separator: "|")[1]
        assertUnauthenticated(w.admit(AuthTestRequests.make(bearer: "\(other.id)|\(secret)", client: client)))
        let after = Int(try fixtures.scalar("SELECT coalesce(sum(hits), 0) FROM leadsd_rate_limits WHERE key = $1", ["ip:" + client]) ?? "0")!
        XCTAssertEqual(after - before, 3)
        XCTAssertNil(try fixtures.scalar("SELECT 1 FROM leadsd_rate_limits WHERE key = $1", ["t:\(token.id)"]))
    }

    func testMissingAndMalformedTokensAreUnauthenticated() throws {
        let w = try worker()
        assertUnauthenticated(w.admit(AuthTestRequests.make(bearer: nil)))
        assertUnauthenticated(w.admit(AuthTestRequests.make(bearer: "abc|def")))
        assertUnauthenticated(w.admit(AuthTestRequests.make(bearer: "999999|nope")))
        assertUnauthenticated(w.admit(AuthTestRequests.make(bearer: "not-a-stored-token")))
    }

    func testExpiredTokenIsUnauthenticated() throws {
        let userID = try fixtures.user("expired@example.com")
        let expired = try fixtures.token(for: userID, expiresAt: "2000-01-01 00:00:00")
        assertUnauthenticated(try worker().admit(AuthTestRequests.make(bearer: expired.plaintext)))
        let future = try fixtures.token(for: userID, expiresAt: "2999-01-01 00:00:00")
        XCTAssertNotNil(admitted(try worker().admit(AuthTestRequests.make(bearer: future.plaintext))))
    }

    func testGlobalExpiryCountsFromCreatedAt() throws {
        let userID = try fixtures.user("global-expiry@example.com")
        let old = try fixtures.token(for: userID, createdAt: "(now() - interval '2 hours')")
        let fresh = try fixtures.token(for: userID)
        let w = try worker(APIConfiguration(tokenExpirationMinutes: 60))
        assertUnauthenticated(w.admit(AuthTestRequests.make(bearer: old.plaintext)))
        XCTAssertNotNil(admitted(w.admit(AuthTestRequests.make(bearer: fresh.plaintext))))
        // Off by default: the old token is fine.
        XCTAssertNotNil(admitted(try worker().admit(AuthTestRequests.make(bearer: old.plaintext))))
    }

    func testOtherTokenableTypeIsUnauthenticated() throws {
        let userID = try fixtures.user("tokenable@example.com")
        let token = try fixtures.token(for: userID, tokenableType: "App\\Models\\Admin")
        assertUnauthenticated(try worker().admit(AuthTestRequests.make(bearer: token.plaintext)))
        // The configured model is honoured.
        XCTAssertNotNil(admitted(try worker(APIConfiguration(userModel: "App\\Models\\Admin"))
            .admit(AuthTestRequests.make(bearer: token.plaintext))))
    }

    func testDeletedUserIsUnauthenticated() throws {
        let userID = try fixtures.user("deleted@example.com")
        let token = try fixtures.token(for: userID)
        try fixtures.connection.execute("DELETE FROM users WHERE id = $1", [String(userID)])
        assertUnauthenticated(try worker().admit(AuthTestRequests.make(bearer: token.plaintext)))
    }

    func testUserWithoutCRMAccessIsAdmittedAndMarked() throws {
        // The gate authenticates; the 403 is the handler's, after the rate limit (contract §8).
        let userID = try fixtures.user("no-access@example.com", crmAccess: false)
        let token = try fixtures.token(for: userID)
        XCTAssertEqual(admitted(try worker().admit(AuthTestRequests.make(bearer: token.plaintext)))?.crmAccess, false)
    }

    func testAbilitiesAreRead() throws {
        let userID = try fixtures.user("abilities@example.com")
        let viewer = try fixtures.token(for: userID, abilities: "[\"view crm leads\"]")
        let user = admitted(try worker().admit(AuthTestRequests.make(bearer: viewer.plaintext)))
        XCTAssertEqual(user?.abilities, ["view crm leads"])
        XCTAssertEqual(user?.may(.view), true)
        XCTAssertEqual(user?.may(.create), false)
        XCTAssertEqual(user?.may(.edit), false)
        XCTAssertEqual(user?.may(.delete), false)
        let none = try fixtures.token(for: userID, abilities: "[]")
        XCTAssertEqual(admitted(try worker().admit(AuthTestRequests.make(bearer: none.plaintext)))?.may(.view), false)
    }

    func testLastUsedAtIsWrittenAtMostOnceAMinute() throws {
        let userID = try fixtures.user("last-used@example.com")
        let token = try fixtures.token(for: userID)
        let read = { try self.fixtures.scalar("SELECT last_used_at::text FROM personal_access_tokens WHERE id = $1", [String(token.id)]) }
        XCTAssertNil(try read())
        let w = try worker()
        XCTAssertNotNil(admitted(w.admit(AuthTestRequests.make(bearer: token.plaintext))))
        let first = try read()
        XCTAssertNotNil(first)
        // Stored as UTC: within a few seconds of the database's UTC clock.
        XCTAssertEqual(try fixtures.scalar(
            "SELECT abs(extract(epoch FROM (now() AT TIME ZONE 'UTC') - last_used_at)) < 5 FROM personal_access_tokens WHERE id = $1",
            [String(token.id)]), "t")
        Thread.sleep(forTimeInterval: 0.05)
        XCTAssertNotNil(admitted(w.admit(AuthTestRequests.make(bearer: token.plaintext))))
        XCTAssertEqual(try read(), first, "a second use within the minute does not write")
        try fixtures.connection.execute(
            "UPDATE personal_access_tokens SET last_used_at = last_used_at - interval '61 seconds' WHERE id = $1", [String(token.id)])
        let aged = try read()
        XCTAssertNotNil(admitted(w.admit(AuthTestRequests.make(bearer: token.plaintext))))
        let renewed = try read()
        XCTAssertNotEqual(renewed, aged, "a use a minute later writes again")
        XCTAssertEqual(renewed, try fixtures.scalar("SELECT updated_at::text FROM personal_access_tokens WHERE id = $1", [String(token.id)]))
    }

    func testTokenLimitHeadersAndRefusal() throws {
        let userID = try fixtures.user("limit@example.com")
        let token = try fixtures.token(for: userID)
        try fixtures.waitForRoomInWindow()
        let w = try worker(APIConfiguration(rateLimit: 3))
        var remaining: [Int] = []
        for _ in 0..<3 {
            guard case .admitted(_, let status)? = w.admit(AuthTestRequests.make(bearer: token.plaintext)) else {
                return XCTFail("expected admitted")
            }
            XCTAssertEqual(status.limit, 3)
            remaining.append(status.remaining)
        }
        XCTAssertEqual(remaining, [2, 1, 0])
        guard case .limited(let status)? = w.admit(AuthTestRequests.make(bearer: token.plaintext)) else {
            return XCTFail("expected limited")
        }
        XCTAssertTrue(status.exceeded)
        XCTAssertEqual(status.remaining, 0)
        XCTAssertTrue((1...60).contains(status.retryAfter))
        XCTAssertEqual(status.resetAt % 60, 0)
        let now = Int(Date().timeIntervalSince1970)
        XCTAssertTrue(abs(status.resetAt - (now + status.retryAfter)) <= 2, "reset is the window's end")
    }

    func testDatabaseFailureIsUnavailable() throws {
        let userID = try fixtures.user("unavailable@example.com")
        let token = try fixtures.token(for: userID)
        let broken = APIConfiguration()
        let w = try worker(broken)
        // A lost table stands for a database that cannot answer.
        try fixtures.connection.execute("ALTER TABLE leadsd_rate_limits RENAME TO leadsd_rate_limits_away")
        defer { _ = try? fixtures.connection.execute("ALTER TABLE leadsd_rate_limits_away RENAME TO leadsd_rate_limits") }
        guard case .unavailable? = w.admit(AuthTestRequests.make(bearer: token.plaintext)) else {
            return XCTFail("expected unavailable")
        }
    }
}
