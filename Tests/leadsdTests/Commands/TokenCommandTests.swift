import LeadsAPI
import Postgres
import TestSupport
import XCTest

/// `leadsd token issue|revoke` through the real binary against a real database.
final class TokenCommandTests: XCTestCase {
    private var database: TestDatabase!
    private var connection: BlockingConnection!

    override func setUpWithError() throws {
        database = try makeTestDatabase(prefix: "foundation_token")
        connection = try database.connect()
        // Password hashes are not under test here; a fixed string keeps setup fast.
        try connection.execute("""
            INSERT INTO users (name, email, password, crm_access) VALUES
                ('Ann', 'ann@example.com', 'x', true), ('Bob', 'bob@example.com', 'x', false)
            """)
    }

    override func tearDown() {
        connection?.close()
        database?.drop()
    }

    private func leadsd(_ arguments: [String], environment: [String: String] = [:]) throws -> LeadsdProcess.Outcome {
        try LeadsdProcess.run(arguments, environment: ["DATABASE_URL": database.url].merging(environment) { $1 })
    }

    private func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
    }

    func testIssuePrintsASanctumTokenOnceAndStoresOnlyTheHashOfItsSecret() throws {
        let outcome = try leadsd(["token", "issue", "ann@example.com"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(outcome.stdout.hasSuffix("\n"))
        let token = String(outcome.stdout.dropLast())
        XCTAssertFalse(token.contains("\n"))

        // <id>|<40 alphanumerics><crc32b hex of those 40>
        let parts = token.split(separator: "|", omittingEmptySubsequences: false)
        XCTAssertEqual(parts.count, 2)
        let id = try XCTUnwrap(Int(parts[0]))
        let secret = parts[1]
        XCTAssertEqual(secret.utf8.count, 48)
        let random = secret.prefix(40)
        XCTAssertTrue(random.utf8.allSatisfy(isAlphanumeric), String(random))
        XCTAssertEqual(String(secret.suffix(8)), CRC32.hex(random.utf8))

        let row = try connection.execute("""
            SELECT token, name, abilities, tokenable_type, tokenable_id::text, expires_at, created_at IS NOT NULL
            FROM personal_access_tokens WHERE id = $1::bigint
            """, [String(id)]).rows
        XCTAssertEqual(row.count, 1)
        XCTAssertEqual(row[0][0].string, SHA256.hex(secret.utf8))
        XCTAssertNotEqual(row[0][0].string, SHA256.hex(token.utf8))
        XCTAssertEqual(row[0][1].string, "api-token")
        XCTAssertEqual(row[0][2].string, #"["*"]"#)
        XCTAssertEqual(row[0][3].string, #"App\Models\User"#)
        XCTAssertEqual(row[0][4].string, try connection.scalar("SELECT id::text FROM users WHERE email = 'ann@example.com'"))
        XCTAssertTrue(row[0][5].isNull)
        XCTAssertEqual(row[0][6].bool, true)
        XCTAssertFalse(outcome.stderr.contains(String(secret)))
    }

    func testTwoTokensDiffer() throws {
        let first = try leadsd(["token", "issue", "ann@example.com"]).stdout
        let second = try leadsd(["token", "issue", "ann@example.com"]).stdout
        XCTAssertNotEqual(first.split(separator: "|").last, second.split(separator: "|").last)
        XCTAssertEqual(try connection.count("personal_access_tokens"), 2)
    }

    func testNameAbilitiesExpiryAndUserModelAreStored() throws {
        let outcome = try leadsd(["token", "issue", "ann@example.com", "--name", "zapier",
                                  "--abilities", "view crm leads, create crm leads", "--expires-in", "1d12h"],
                                 environment: ["LEADSD_USER_MODEL": #"Acme\User"#])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let row = try connection.execute("""
            SELECT name, abilities, tokenable_type, extract(epoch FROM expires_at - created_at)::bigint::text
            FROM personal_access_tokens
            """).rows
        XCTAssertEqual(row[0][0].string, "zapier")
        XCTAssertEqual(row[0][1].string, #"["view crm leads","create crm leads"]"#)
        XCTAssertEqual(row[0][2].string, #"Acme\User"#)
        XCTAssertEqual(row[0][3].string, String(36 * 3600))
    }

    func testUnknownEmailIsRefusedAndNothingIsWritten() throws {
        let outcome = try leadsd(["token", "issue", "nobody@example.com"])
        XCTAssertEqual(outcome.status, 1)
        XCTAssertEqual(outcome.stderr, "No user found with email [nobody@example.com].\n")
        XCTAssertEqual(outcome.stdout, "")
        XCTAssertEqual(try connection.count("personal_access_tokens"), 0)
    }

    func testUserWithoutCRMAccessIsRefusedAndNothingIsWritten() throws {
        let outcome = try leadsd(["token", "issue", "bob@example.com"])
        XCTAssertEqual(outcome.status, 1)
        XCTAssertEqual(outcome.stderr, "User [bob@example.com] does not have CRM access.\n")
        XCTAssertEqual(outcome.stdout, "")
        XCTAssertEqual(try connection.count("personal_access_tokens"), 0)
    }

    func testBadOptionsAreOneLineAndWriteNothing() throws {
        for arguments in [["--expires-in", "10"], ["--expires-in", "-5m"], ["--abilities", "a,,b"], ["--name", ""]] {
            let outcome = try leadsd(["token", "issue", "ann@example.com"] + arguments)
            XCTAssertNotEqual(outcome.status, 0, "\(arguments)")
            XCTAssertEqual(outcome.stderr.filter { $0 == "\n" }.count, 1, outcome.stderr)
            XCTAssertEqual(outcome.stdout, "")
        }
        XCTAssertEqual(try connection.count("personal_access_tokens"), 0)
    }

    func testRevokeDeletesTheTokenAndAnUnknownIdIsRefused() throws {
        let token = try leadsd(["token", "issue", "ann@example.com"]).stdout
        let id = String(token.split(separator: "|")[0])
        let revoked = try leadsd(["token", "revoke", id])
        XCTAssertEqual(revoked.status, 0, revoked.stderr)
        XCTAssertEqual(try connection.count("personal_access_tokens"), 0)

        let again = try leadsd(["token", "revoke", id])
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(again.stderr, "No token found with id [\(id)].\n")
    }

    func testMissingDatabaseURLIsOneClearLine() throws {
        for arguments in [["token", "issue", "ann@example.com"], ["migrate"], ["token", "revoke", "1"]] {
            let outcome = try LeadsdProcess.run(arguments)
            XCTAssertEqual(outcome.status, 1, "\(arguments)")
            XCTAssertTrue(outcome.stderr.hasPrefix("DATABASE_URL is not set"), outcome.stderr)
            XCTAssertEqual(outcome.stderr.filter { $0 == "\n" }.count, 1, outcome.stderr)
        }
    }

    func testUnreachableDatabaseIsOneLineWithoutThePassword() throws {
        let outcome = try LeadsdProcess.run(["migrate"], environment: ["DATABASE_URL": "postgresql://u:hunter2@127.0.0.1:1/x"])
        XCTAssertEqual(outcome.status, 1)
        XCTAssertTrue(outcome.stderr.hasPrefix("Cannot connect to the database:"), outcome.stderr)
        XCTAssertEqual(outcome.stderr.filter { $0 == "\n" }.count, 1, outcome.stderr)
        XCTAssertFalse(outcome.stderr.contains("hunter2"))
    }
}
