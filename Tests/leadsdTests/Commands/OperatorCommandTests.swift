#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Postgres
import TestSupport
import XCTest

/// What an operator runs beside `serve`: --version, user list, token list, serve --check-config,
/// and the one-shot commands reading the database URL from a systemd credential.
final class OperatorCommandTests: XCTestCase {
    private var database: TestDatabase!
    private var connection: BlockingConnection!
    private var scratch = ""

    override func setUpWithError() throws {
        database = try makeTestDatabase(prefix: "operator_cmds")
        connection = try database.connect()
        scratch = NSTemporaryDirectory() + "leadsd-operator-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        connection?.close()
        database?.drop()
        try? FileManager.default.removeItem(atPath: scratch)
    }

    private func leadsd(_ arguments: [String], environment: [String: String]? = nil) throws -> LeadsdProcess.Outcome {
        try LeadsdProcess.run(arguments, environment: environment ?? ["DATABASE_URL": database.url])
    }

    func testVersionNamesTheVersionAndTheCommitGitReports() throws {
        let outcome = try leadsd(["--version"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let line = outcome.stdout.trimmingCharacters(in: .newlines)
        let match = try XCTUnwrap(line.range(of: #"^leadsd [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-z-]+\)$"#, options: .regularExpression), line)
        XCTAssertEqual(match.lowerBound, line.startIndex)
        let git = try runTool("git", ["-C", LeadsdProcess.packageRoot.path, "rev-parse", "--short=12", "HEAD"])
        if git.status == 0 {
            let head = git.output.trimmingCharacters(in: .whitespacesAndNewlines)
            // The binary may be a commit or two behind a checkout that moved since it was built.
            XCTAssertTrue(line.contains("(commit \(head)"), "\(line) vs git HEAD \(head)")
        } else {
            XCTAssertTrue(line.hasSuffix("(commit unknown)"), line)
        }
    }

    func testUserListAndTokenListShowWhatIsStoredButNeverATokenOrItsHash() throws {
        try connection.execute("""
            INSERT INTO users (name, email, password, crm_access, created_at) VALUES
                ('Ann Lee', 'ann@example.com', 'x', true, '2026-01-02 03:04:05'), ('Bob', 'bob@example.com', 'x', false, NULL)
            """)
        let issued = try leadsd(["token", "issue", "ann@example.com", "--name", "zapier", "--abilities", "view crm leads", "--expires-in", "2d"])
        XCTAssertEqual(issued.status, 0, issued.stderr)
        let token = issued.stdout.trimmingCharacters(in: .newlines)
        _ = try leadsd(["token", "issue", "ann@example.com", "--name", "cli"])
        try connection.execute("UPDATE personal_access_tokens SET last_used_at = '2026-03-04 05:06:07' WHERE name = 'cli'")
        try connection.execute("""
            INSERT INTO personal_access_tokens (tokenable_type, tokenable_id, name, token, abilities, expires_at)
            SELECT 'App\\Models\\User', id, 'old', repeat('a', 64), NULL, '2020-01-01 00:00:00' FROM users WHERE email = 'ann@example.com'
            """)

        let users = try leadsd(["user", "list"])
        XCTAssertEqual(users.status, 0, users.stderr)
        let userLines = users.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        XCTAssertEqual(userLines.count, 3, users.stdout)
        XCTAssertEqual(userLines[0], "ID EMAIL NAME CRM_ACCESS TOKENS CREATED (UTC)")
        XCTAssertTrue(userLines[1].hasSuffix("ann@example.com Ann Lee yes 3 2026-01-02 03:04:05"), userLines[1])
        XCTAssertTrue(userLines[2].hasSuffix("bob@example.com Bob no 0 -"), userLines[2])

        let tokens = try leadsd(["token", "list", "ann@example.com"])
        XCTAssertEqual(tokens.status, 0, tokens.stderr)
        let lines = tokens.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        XCTAssertEqual(lines.count, 4, tokens.stdout)
        XCTAssertEqual(lines[0], "ID NAME ABILITIES LAST_USED (UTC) EXPIRES (UTC)")
        let id = String(token.split(separator: "|")[0])
        XCTAssertTrue(lines[1].hasPrefix("\(id) zapier [\"view crm leads\"] never 20"), lines[1])
        XCTAssertTrue(lines[2].contains(" cli [\"*\"] 2026-03-04 05:06:07 never"), lines[2])
        XCTAssertTrue(lines[3].hasSuffix(" old null never 2020-01-01 00:00:00 (expired)"), lines[3])
        let hashes = try connection.execute("SELECT token FROM personal_access_tokens").rows.compactMap { $0[0].string }
        for secret in hashes + [String(token.split(separator: "|")[1])] {
            XCTAssertFalse(tokens.stdout.contains(secret) || users.stdout.contains(secret), "a token or hash was printed")
        }

        let unknown = try leadsd(["token", "list", "nobody@example.com"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertEqual(unknown.stderr, "No user found with email [nobody@example.com].\n")
    }

    /// `CREDENTIALS_DIRECTORY` as systemd lays it out (or as root points it at
    /// /etc/leadsd/credentials): the one-shot commands take database-url from it.
    func testOneShotCommandsReadTheDatabaseURLCredential() throws {
        let credentials = scratch + "/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try (database.url + "\n").write(toFile: credentials + "/database-url", atomically: false, encoding: .utf8)
        chmod(credentials + "/database-url", 0o400)
        let environment = ["CREDENTIALS_DIRECTORY": credentials]
        let migrate = try leadsd(["migrate"], environment: environment)
        XCTAssertEqual(migrate.status, 0, migrate.stderr)
        XCTAssertTrue(migrate.stdout.contains("nothing to migrate"), migrate.stdout)
        XCTAssertEqual(try leadsd(["user", "list"], environment: environment).status, 0)
        // A variable given wins over the credential.
        let explicit = try leadsd(["user", "list"], environment: environment.merging(["DATABASE_URL": "postgresql://u:hunter2@127.0.0.1:1/x"]) { $1 })
        XCTAssertEqual(explicit.status, 1)
        XCTAssertTrue(explicit.stderr.hasPrefix("Cannot connect to the database:"), explicit.stderr)
        XCTAssertFalse(explicit.stderr.contains("hunter2"))
    }

    // MARK: serve --check-config

    private func checkConfig(_ arguments: [String], databaseURL: String? = nil, environment: [String: String] = [:]) throws -> LeadsdProcess.Outcome {
        try leadsd(["serve", "--check-config", "--listen", "127.0.0.1:0"] + arguments,
                   environment: environment.merging(["DATABASE_URL": databaseURL ?? database.url]) { $1 })
    }

    func testCheckConfigPassesOnAGoodSetup() throws {
        let certificate = try TestCertificate(commonName: "check.test")
        defer { certificate.remove() }
        let outcome = try checkConfig(["--tls-cert", certificate.path, "--tls-key", certificate.keyPath])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertEqual(outcome.stderr, "")
        XCTAssertEqual(outcome.stdout, "leadsd: configuration ok (settings, database, tls, migrations, encrypted-names)\n")
    }

    /// An on/off setting turned on by its variable (as leadsd.env does) parses, and its
    /// `--no-` flag turns it off again; a debug build used to stop at ArgumentParser's
    /// "flag declared with an initial value of true" check instead.
    func testOnOffSettingsFromVariablesParse() throws {
        let environment = ["DATABASE_URL": database.url, "LEADSD_PLAIN_HTTP": "true", "LEADSD_PROXY_PROTOCOL": "true",
                           "LEADSD_TRUSTED_PROXIES": "127.0.0.1/32"]
        let on = try leadsd(["serve", "--check-config"], environment: environment)
        XCTAssertEqual(on.status, 0, on.stderr)
        let off = try leadsd(["serve", "--check-config", "--no-plain-http"], environment: environment)
        XCTAssertEqual(off.status, 1, off.stderr)
        XCTAssertTrue(off.stderr.contains("--tls-cert and --tls-key are required"), off.stderr)
    }

    func testCheckConfigReportsEachProblemOnOneLine() throws {
        let first = try TestCertificate(commonName: "one.test"), second = try TestCertificate(commonName: "two.test")
        defer { first.remove(); second.remove() }
        let unmigrated = try TestDatabase(prefix: "operator_bare", migrate: false)
        defer { unmigrated.drop() }

        // A key of another certificate, and a database without the schema: two lines.
        let mismatched = try checkConfig(["--tls-cert", first.path, "--tls-key", second.keyPath], databaseURL: unmigrated.url)
        XCTAssertEqual(mismatched.status, 1)
        let lines = mismatched.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, mismatched.stderr)
        XCTAssertTrue(lines[0].hasPrefix("leadsd: tls: ") && lines[0].contains("mismatch") || lines[0].contains("does not match"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("leadsd: migrations: ") && lines[1].contains("run leadsd migrate"), lines[1])
        XCTAssertEqual(mismatched.stdout, "")

        // The database unreachable: its checks cannot run, one line says why.
        let unreachable = try checkConfig(["--plain-http"], databaseURL: "postgresql://u:hunter2@127.0.0.1:1/x")
        XCTAssertEqual(unreachable.status, 1)
        XCTAssertEqual(unreachable.stderr.split(separator: "\n").count, 1, unreachable.stderr)
        XCTAssertTrue(unreachable.stderr.hasPrefix("leadsd: database: cannot connect"), unreachable.stderr)
        XCTAssertFalse(unreachable.stderr.contains("hunter2"))

        // A setting that does not load: that line alone, exit 1 (not 64: a check, not a start).
        let bad = try checkConfig(["--plain-http", "--rate-limit", "0"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr, "leadsd: settings: --rate-limit (LEADSD_RATE_LIMIT): 0 is out of range 1-1000000\n")
    }

    /// Contract §2c in --check-config: the key parses and its file is private (settings), no
    /// key while names are encrypted is the line serve would refuse to start with, and a key
    /// that decrypts none of a column's payloads (a wrong APP_KEY) is reported by column. The
    /// key comes from the app-key credential, as under systemd (0440: the ACL's mask).
    func testCheckConfigReportsEncryptedNamesAndTheAppKey() throws {
        let key = LaravelCiphertext.newKey(), wrong = LaravelCiphertext.newKey()
        let seed = CRMSeed(connection)
        _ = try seed.person(first: try LaravelCiphertext.encrypt(["Jane"], key: key)[0], last: "Plain")
        _ = try seed.organization(try LaravelCiphertext.encrypt(["Acme"], key: key, mode: .gcm)[0])
        let credentials = scratch + "/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        func credential(_ key: [UInt8]) throws -> [String: String] {
            chmod(credentials + "/app-key", 0o600)
            try (LaravelCiphertext.appKey(key) + "\n").write(toFile: credentials + "/app-key", atomically: false, encoding: .utf8)
            chmod(credentials + "/app-key", 0o440)
            return ["CREDENTIALS_DIRECTORY": credentials]
        }

        let right = try checkConfig(["--plain-http"], environment: try credential(key))
        XCTAssertEqual(right.status, 0, right.stderr)
        XCTAssertEqual(right.stderr, "")

        let none = try checkConfig(["--plain-http"])
        XCTAssertEqual(none.status, 1)
        XCTAssertEqual(none.stderr, "leadsd: encrypted-names: crm_people.first_name holds Laravel-encrypted values but no APP_KEY is configured: set APP_KEY (or --app-key-file) to the Laravel application's key, so that names are decrypted rather than served as ciphertext\n")

        let mistaken = try checkConfig(["--plain-http"], environment: try credential(wrong))
        XCTAssertEqual(mistaken.status, 1)
        XCTAssertEqual(mistaken.stderr.split(separator: "\n").map(String.init), ["crm_people.first_name", "crm_organizations.name"].map {
            "leadsd: encrypted-names: \($0): none of 1 Laravel-encrypted values read decrypts with the app key (1 key of 32 bytes): is it the Laravel application's APP_KEY? serve would show such names as stored, ciphertext"
        })
        // The previous key that fits is enough.
        let rotated = try checkConfig(["--plain-http"], environment: try credential(wrong).merging(["APP_PREVIOUS_KEYS": LaravelCiphertext.appKey(key)]) { $1 })
        XCTAssertEqual(rotated.status, 0, rotated.stderr)

        let malformed = "base64:" + Data(LaravelCiphertext.newKey(bytes: 24)).base64EncodedString()
        let bad = try checkConfig(["--plain-http"], environment: ["APP_KEY": malformed])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr, "leadsd: settings: APP_KEY: the key is 24 bytes; Laravel's keys are 32 bytes for AES-256 (base64:… as php artisan key:generate writes it) or 16 for AES-128\n")
        XCTAssertFalse(bad.stderr.contains(malformed.dropFirst(7)))

        chmod(credentials + "/app-key", 0o444)
        let open = try checkConfig(["--plain-http"], environment: ["CREDENTIALS_DIRECTORY": credentials])
        XCTAssertEqual(open.status, 1)
        XCTAssertEqual(open.stderr, "leadsd: settings: --app-key-file \(credentials)/app-key: permissions 0444 are too open: a key must not be accessible by group or others (chmod 600 it, or pass --allow-readable-key)\n")
    }
}
