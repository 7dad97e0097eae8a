import LeadsAPI
import Postgres
import TestSupport
import XCTest

/// `leadsd user add` through the real binary: the password comes from stdin only.
final class UserAddCommandTests: XCTestCase {
    private var database: TestDatabase!
    private var connection: BlockingConnection!

    override func setUpWithError() throws {
        database = try makeTestDatabase(prefix: "foundation_user")
        connection = try database.connect()
    }

    override func tearDown() {
        connection?.close()
        database?.drop()
    }

    private func addUser(_ arguments: [String], stdin: String?) throws -> LeadsdProcess.Outcome {
        try LeadsdProcess.run(["user", "add"] + arguments, environment: ["DATABASE_URL": database.url], stdin: stdin)
    }

    func testStoresABcryptHashThatVerifies() throws {
        let outcome = try addUser(["--email", "ann@example.com", "--name", "Ann Lee", "--crm-access"],
                                  stdin: "correct horse battery\n")
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let row = try connection.execute("SELECT name, password, crm_access, created_at IS NOT NULL FROM users WHERE email = 'ann@example.com'").rows
        XCTAssertEqual(row.count, 1)
        XCTAssertEqual(row[0][0].string, "Ann Lee")
        let hash = try XCTUnwrap(row[0][1].string)
        XCTAssertTrue(hash.hasPrefix("$2y$12$"), hash)
        XCTAssertTrue(PasswordHasher.verify("correct horse battery", hash: hash))
        XCTAssertFalse(PasswordHasher.verify("correct horse battery\n", hash: hash))
        XCTAssertFalse(PasswordHasher.verify("wrong", hash: hash))
        XCTAssertEqual(row[0][2].bool, true)
        XCTAssertEqual(row[0][3].bool, true)
        XCTAssertFalse(outcome.stdout.contains("correct horse"))
        XCTAssertFalse(outcome.stderr.contains("correct horse"))
    }

    func testCRMAccessIsOffUnlessAsked() throws {
        let outcome = try addUser(["--email", "bob@example.com", "--name", "Bob"], stdin: "pw\n")
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertEqual(try connection.scalar("SELECT crm_access FROM users"), "f")
    }

    func testADuplicateEmailIsRefusedUnlessIfMissing() throws {
        XCTAssertEqual(try addUser(["--email", "ann@example.com", "--name", "Ann"], stdin: "first\n").status, 0)
        let hash = try connection.scalar("SELECT password FROM users")

        let duplicate = try addUser(["--email", "ann@example.com", "--name", "Other"], stdin: "second\n")
        XCTAssertEqual(duplicate.status, 1)
        XCTAssertEqual(duplicate.stderr, "A user with email [ann@example.com] already exists.\n")

        let tolerated = try addUser(["--email", "ann@example.com", "--name", "Other", "--if-missing"], stdin: "second\n")
        XCTAssertEqual(tolerated.status, 0, tolerated.stderr)
        XCTAssertEqual(try connection.count("users"), 1)
        XCTAssertEqual(try connection.scalar("SELECT password FROM users"), hash)
        XCTAssertEqual(try connection.scalar("SELECT name FROM users"), "Ann")
    }

    func testNoOrEmptyPasswordIsRefusedAndNothingIsWritten() throws {
        for stdin in [nil, "", "\n", String(repeating: "p", count: 73) + "\n"] {
            let outcome = try addUser(["--email", "ann@example.com", "--name", "Ann"], stdin: stdin)
            XCTAssertEqual(outcome.status, 1, "\(String(describing: stdin))")
            XCTAssertEqual(outcome.stderr.filter { $0 == "\n" }.count, 1, outcome.stderr)
        }
        XCTAssertEqual(try connection.count("users"), 0)
    }

    func testABadEmailIsRefusedBeforeAnythingIsRead() throws {
        let outcome = try addUser(["--email", "not-an-email", "--name", "Ann"], stdin: "pw\n")
        XCTAssertNotEqual(outcome.status, 0)
        XCTAssertTrue(outcome.stderr.contains("not a valid email"), outcome.stderr)
        XCTAssertEqual(try connection.count("users"), 0)
    }

    func testThereIsNoPasswordOption() throws {
        let outcome = try addUser(["--email", "ann@example.com", "--name", "Ann", "--password", "x"], stdin: "pw\n")
        XCTAssertNotEqual(outcome.status, 0)
        XCTAssertEqual(try connection.count("users"), 0)
    }
}
