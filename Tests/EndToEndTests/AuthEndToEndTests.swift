import Foundation
import Postgres
import TestSupport
import XCTest

/// Contract §2 through HTTPS to a running daemon: Laravel CRM's AuthTokenTest, Sanctum tokens
/// written by hand, bare and expired tokens, abilities, last_used_at.
final class AuthEndToEndTests: XCTestCase {
    private static let slot = EndToEndSlot()
    private var environment: EndToEndEnvironment!
    private var fixture: EndToEndFixture { environment.fixture }
    private var client: HTTPSClient!

    private let tokenPath = EndToEndEnvironment.base + "/auth/token"
    private let mePath = EndToEndEnvironment.base + "/auth/me"
    private static let credentialsIncorrect =
        #"{"message":"The provided credentials are incorrect.","errors":{"email":["The provided credentials are incorrect."]}}"#

    override class func setUp() {
        slot.make { try EndToEndEnvironment(prefix: "auth") }
    }

    override class func tearDown() { slot.tearDown() }

    override func setUpWithError() throws {
        environment = try Self.slot.get()
        client = try environment.client()
    }

    private func tokenRows() throws -> Int { Int(try environment.scalar("SELECT count(*) FROM personal_access_tokens") ?? "") ?? -1 }

    private func login(_ body: String?, headers: [(String, String)] = []) throws -> HTTPSResponse {
        try client.json("POST", tokenPath, token: nil, body: body, headers: headers)
    }

    // MARK: POST auth/token

    func testValidCredentialsIssueA201TokenWithTheUser() throws {
        let before = try tokenRows()
        let response = try login(#"{"email":"jane@example.test","password":"\#(CRMSeed.password)","device_name":"Jane's phone"}"#)
        XCTAssertEqual(response.status, 201, response.text)
        XCTAssertEqual(response.header("Content-Type"), "application/json")
        let token = try XCTUnwrap(response.object["token"] as? String)
        XCTAssertEqual(response.object["user"] as? NSDictionary,
                       ["id": fixture.jane, "name": "Jane Doe", "email": fixture.janeEmail] as NSDictionary)
        XCTAssertTrue(response.text.hasPrefix(#"{"token":""#), "token first, then user: \(response.text)")

        // Sanctum's shape: <id>|<40 letters and digits><crc32b of those 40>.
        let parts = token.split(separator: "|", maxSplits: 1).map(String.init)
        XCTAssertEqual(parts.count, 2)
        let secret = parts.last ?? ""
        XCTAssertEqual(secret.count, 48)
        XCTAssertTrue(secret.prefix(40).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }, secret)
        XCTAssertEqual(String(secret.suffix(8)), String(format: "%08x", CRMSeed.crc32b(Array(secret.prefix(40).utf8))))

        let row = try environment.sql("""
            SELECT token, name, abilities, tokenable_type, tokenable_id FROM personal_access_tokens WHERE id = $1::bigint
            """, [parts.first]).rows.first
        XCTAssertEqual(row?.map(\.string), [CRMSeed.sha256Hex(secret), "Jane's phone", #"["*"]"#, CRMSeed.userModel, String(fixture.jane)])
        XCTAssertEqual(try tokenRows(), before + 1)

        let me = try client.json("GET", mePath, token: token)
        XCTAssertEqual(me.status, 200, me.text)
        XCTAssertEqual(me.text, #"{"user":{"id":\#(fixture.jane),"name":"Jane Doe","email":"jane@example.test"}}"#)
    }

    func testTokenNameFallsBackToUserAgentThenApiToken() throws {
        let withAgent = try login(#"{"email":"jane@example.test","password":"\#(CRMSeed.password)"}"#, headers: [("User-Agent", "e2e-agent/1.0")])
        XCTAssertEqual(withAgent.status, 201, withAgent.text)
        let withoutAgent = try login(#"{"email":"jane@example.test","password":"\#(CRMSeed.password)"}"#)
        XCTAssertEqual(withoutAgent.status, 201, withoutAgent.text)
        let ids = [withAgent, withoutAgent].map { ($0.object["token"] as? String)?.split(separator: "|").first.map(String.init) }
        let names = try ids.map { try environment.scalar("SELECT name FROM personal_access_tokens WHERE id = $1::bigint", [$0]) }
        XCTAssertEqual(names, ["e2e-agent/1.0", "api-token"])
    }

    func testWrongPasswordUnknownEmailAndNoCRMAccessAreTheSame422AndWriteNoToken() throws {
        let before = try tokenRows()
        let bodies = [
            #"{"email":"jane@example.test","password":"wrong-password"}"#,
            #"{"email":"nobody@example.test","password":"\#(CRMSeed.password)"}"#,
            #"{"email":"none@example.test","password":"\#(CRMSeed.password)"}"#,
            // bcrypt would stop at NUL: the right password followed by NUL and anything is wrong.
            #"{"email":"jane@example.test","password":"\#(CRMSeed.password)\u0000anything"}"#,
        ]
        for body in bodies {
            let response = try login(body)
            XCTAssertEqual(response.status, 422, body)
            XCTAssertEqual(response.text, Self.credentialsIncorrect, body)
            XCTAssertNotNil(response.header("X-RateLimit-Limit"), "POST auth/token is counted")
        }
        XCTAssertEqual(try tokenRows(), before)
    }

    func testEmptyBodyAndMissingFieldsAre422WithLaravelMessages() throws {
        let before = try tokenRows()
        for body in [nil, "", "{}", #"{"email":"","password":""}"#] as [String?] {
            let response = try login(body)
            XCTAssertEqual(response.status, 422, "\(body ?? "no body"): \(response.text)")
            XCTAssertEqual(response.message, "The email field is required. (and 1 more error)")
            XCTAssertEqual(response.errors, ["email": ["The email field is required."], "password": ["The password field is required."]])
        }
        let badEmail = try login(#"{"email":"not-an-address","password":"x"}"#)
        XCTAssertEqual(badEmail.status, 422)
        XCTAssertEqual(badEmail.errors, ["email": ["The email field must be a valid email address."]])
        XCTAssertEqual(try tokenRows(), before)
    }

    /// PostgreSQL text cannot hold NUL: such a device name is a validation error, not a 500.
    func testDeviceNameWithNULIs422AndWritesNoToken() throws {
        let before = try tokenRows()
        let response = try login(#"{"email":"jane@example.test","password":"\#(CRMSeed.password)","device_name":"a\u0000b"}"#)
        XCTAssertEqual(response.status, 422, response.text)
        XCTAssertEqual(response.errors.keys.sorted(), ["device_name"], response.text)
        XCTAssertEqual(try tokenRows(), before)
    }

    func testUserMadeByLeadsdUserAddLogsIn() throws {
        let email = "cli-\(UInt32.random(in: 0...UInt32.max))@example.test"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DaemonProcess.binaryPath)
        process.arguments = ["user", "add", "--email", email, "--name", "Cli User", "--crm-access"]
        process.environment = ["DATABASE_URL": environment.database.url, "PATH": "/usr/bin:/bin"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data("cli password 1\n".utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(try environment.scalar("SELECT left(password, 4) FROM users WHERE email = $1", [email]), "$2y$")

        let response = try login(#"{"email":"\#(email)","password":"cli password 1"}"#)
        XCTAssertEqual(response.status, 201, response.text)
        XCTAssertEqual(try login(#"{"email":"\#(email)","password":"cli password 2"}"#).status, 422)
    }

    // MARK: GET auth/me

    func testMeAnswersTheUserAnd401WithoutAToken() throws {
        let me = try client.json("GET", mePath, token: fixture.full)
        XCTAssertEqual(me.status, 200)
        XCTAssertEqual(me.text, #"{"user":{"id":\#(fixture.jane),"name":"Jane Doe","email":"jane@example.test"}}"#)
        XCTAssertNotNil(me.header("X-RateLimit-Remaining"))

        for token in [nil, "", "garbage", "99999|nope", "\(fixture.full)x"] as [String?] {
            let response = try client.json("GET", mePath, token: token)
            XCTAssertEqual(response.status, 401, token ?? "none")
            XCTAssertEqual(response.text, #"{"message":"Unauthenticated."}"#)
        }
        let basic = try client.request("GET", mePath, headers: [("Authorization", "Basic amFuZTpzZWNyZXQ=")])
        XCTAssertEqual(basic.status, 401)
    }

    func testUserWithoutCRMAccessIs403() throws {
        let response = try client.json("GET", mePath, token: fixture.noAccessToken)
        XCTAssertEqual(response.status, 403)
        XCTAssertEqual(response.text, #"{"message":"This action is unauthorized."}"#)
    }

    // MARK: DELETE auth/token

    func testRevokeIs204DeletesTheRowThen401() throws {
        let seed = CRMSeed(try environment.connect())
        let token = try seed.token(for: fixture.jane)
        let other = try seed.token(for: fixture.jane)
        let id = String(token.split(separator: "|")[0])

        let revoked = try client.json("DELETE", tokenPath, token: token)
        XCTAssertEqual(revoked.status, 204)
        XCTAssertTrue(revoked.body.isEmpty)
        XCTAssertEqual(try environment.scalar("SELECT count(*) FROM personal_access_tokens WHERE id = $1::bigint", [id]), "0")
        XCTAssertEqual(try client.json("GET", mePath, token: token).status, 401)
        XCTAssertEqual(try client.json("DELETE", tokenPath, token: token).status, 401)
        XCTAssertEqual(try client.json("GET", mePath, token: other).status, 200, "only the token used is revoked")
    }

    // MARK: Tokens as Sanctum stores them

    func testTokenWrittenInSQLAsSanctumDoesAuthenticates() throws {
        // sha256 of the secret computed here (OpenSSL), the row inserted by hand.
        let secret = "hand" + String(repeating: "x", count: 36)
        let id = try XCTUnwrap(environment.scalar("""
            INSERT INTO personal_access_tokens (tokenable_type, tokenable_id, name, token, abilities, created_at, updated_at)
            VALUES ($1, $2::bigint, 'by hand', $3, '["*"]', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC') RETURNING id
            """, [CRMSeed.userModel, String(fixture.bob), CRMSeed.sha256Hex(secret)]))
        let me = try client.json("GET", mePath, token: "\(id)|\(secret)")
        XCTAssertEqual(me.status, 200, me.text)
        XCTAssertEqual((me.object["user"] as? [String: Any])?["name"] as? String, "Bob Roe")
        XCTAssertEqual(try client.json("GET", mePath, token: "\(id)|\(secret.dropLast())y").status, 401, "wrong secret, right id")
        XCTAssertEqual(try client.json("GET", mePath, token: "\(Int(id)! + 1000)|\(secret)").status, 401, "right secret, wrong id")
    }

    func testTokenWithoutPipeIsLookedUpByTheHashOfTheWholeToken() throws {
        let bare = try CRMSeed(try environment.connect()).token(for: fixture.jane, bare: true)
        XCTAssertFalse(bare.contains("|"))
        XCTAssertEqual(try client.json("GET", mePath, token: bare).status, 200)
        XCTAssertEqual(try client.json("GET", EndToEndEnvironment.leads, token: bare).status, 200)
    }

    func testExpiredTokenIs401AndAnUnexpiredOneWorks() throws {
        let seed = CRMSeed(try environment.connect())
        let expired = try seed.token(for: fixture.jane, expiresAt: "2020-01-01 00:00:00")
        let future = try seed.token(for: fixture.jane, expiresAt: "2999-01-01 00:00:00")
        XCTAssertEqual(try client.json("GET", mePath, token: expired).status, 401)
        XCTAssertEqual(try client.json("GET", EndToEndEnvironment.leads, token: expired).status, 401)
        XCTAssertEqual(try client.json("GET", mePath, token: future).status, 200)
    }

    /// `--token-expiration`: Sanctum's global expiry, minutes since the token was created.
    func testGlobalExpiryRefusesTokensOlderThanConfigured() throws {
        let daemon = try EndToEndDaemon(databaseURL: environment.database.url, certificate: environment.certificate,
                                        arguments: ["--workers", "1", "--token-expiration", "5"] + EndToEndEnvironment.generousLimits)
        defer { daemon.stop() }
        let seed = CRMSeed(try environment.connect())
        let old = try seed.token(for: fixture.jane, createdAt: "2020-01-01 00:00:00")
        let fresh = try seed.token(for: fixture.jane)
        let client = try daemon.client()
        XCTAssertEqual(try client.json("GET", mePath, token: old).status, 401)
        XCTAssertEqual(try client.json("GET", mePath, token: fresh).status, 200)
        XCTAssertEqual(try self.client.json("GET", mePath, token: old).status, 200, "no global expiry by default")
    }

    func testTokenOfAnotherModelOrOfAMissingUserIs401() throws {
        let seed = CRMSeed(try environment.connect())
        let otherModel = try seed.token(for: fixture.jane, tokenableType: #"App\Models\Robot"#)
        let orphan = try seed.token(for: 999_999)
        XCTAssertEqual(try client.json("GET", mePath, token: otherModel).status, 401)
        XCTAssertEqual(try client.json("GET", mePath, token: orphan).status, 401)
    }

    func testLastUsedAtIsWrittenAtMostOnceAMinute() throws {
        let token = try CRMSeed(try environment.connect()).token(for: fixture.jane)
        let id = String(token.split(separator: "|")[0])
        let read = { try self.environment.scalar("SELECT last_used_at FROM personal_access_tokens WHERE id = $1::bigint", [id]) }
        XCTAssertNil(try read())
        XCTAssertEqual(try client.json("GET", mePath, token: token).status, 200)
        let first = try XCTUnwrap(try read())
        XCTAssertEqual(try client.json("GET", mePath, token: token).status, 200)
        XCTAssertEqual(try read(), first, "not written again within the minute")
        try environment.sql("UPDATE personal_access_tokens SET last_used_at = last_used_at - interval '2 minutes' WHERE id = $1::bigint", [id])
        let aged = try read()
        XCTAssertEqual(try client.json("GET", mePath, token: token).status, 200)
        XCTAssertNotEqual(try read(), aged, "written again once a minute old")
    }

    func testAbilitiesAreEnforcedPerAction() throws {
        let leads = EndToEndEnvironment.leads
        XCTAssertEqual(try client.json("GET", leads, token: fixture.viewer).status, 200)
        XCTAssertEqual(try client.json("GET", leads, token: fixture.creator).status, 403)
        XCTAssertEqual(try client.json("POST", leads, token: fixture.viewer, body: #"{"title":"x"}"#).status, 403)
        let nullAbilities = try CRMSeed(try environment.connect()).token(for: fixture.jane, abilities: nil)
        XCTAssertEqual(try client.json("GET", leads, token: nullAbilities).status, 200, "null abilities allow everything")
        let damaged = try CRMSeed(try environment.connect()).token(for: fixture.jane, abilities: "view crm leads")
        XCTAssertEqual(try client.json("GET", leads, token: damaged).status, 403, "a damaged abilities column grants nothing")
    }
}
