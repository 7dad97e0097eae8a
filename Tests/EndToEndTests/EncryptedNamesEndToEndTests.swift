#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Postgres
import TestSupport
import XCTest

/// Contract §2c through HTTPS: names Laravel CRM stored encrypted (payloads made by Python's
/// `cryptography`, TestSupport.LaravelCiphertext) are served decrypted; without a key the
/// daemon refuses to start, or to serve, rather than hand out ciphertext.
final class EncryptedNamesEndToEndTests: XCTestCase {
    private static let slot = EndToEndSlot()
    private static let key = LaravelCiphertext.newKey()
    private static let previousKey = LaravelCiphertext.newKey()
    private static let otherKey = LaravelCiphertext.newKey()
    /// person UUID → the name the API must serve; organization UUID → likewise.
    nonisolated(unsafe) private static var expectedPeople: [String: String] = [:]
    nonisolated(unsafe) private static var expectedOrganizations: [String: String] = [:]
    nonisolated(unsafe) private static var keyFile = ""

    private var environment: EndToEndEnvironment!
    private let leads = EndToEndEnvironment.leads

    override class func setUp() {
        slot.make {
            keyFile = NSTemporaryDirectory() + "leadsd-e2e-app-key-\(getpid())"
            try (LaravelCiphertext.appKey(key) + "\n").write(toFile: keyFile, atomically: false, encoding: .utf8)
            chmod(keyFile, 0o600)
            return try EndToEndEnvironment(
                prefix: "encrypted", arguments: ["--app-key-file", keyFile],
                environment: ["APP_PREVIOUS_KEYS": LaravelCiphertext.appKey(previousKey)],
                seed: seedEncryptedNames)
        }
    }

    override class func tearDown() {
        slot.tearDown()
        unlink(keyFile)
    }

    override func setUpWithError() throws {
        environment = try Self.slot.get()
    }

    /// People and organizations as an install with LARAVEL_CRM_ENCRYPT_DB_FIELDS=true holds them.
    private static func seedEncryptedNames(_ seed: CRMSeed) throws {
        func cbc(_ values: [String], _ key: [UInt8] = key, _ variant: LaravelCiphertext.Variant = .laravel) throws -> [String] {
            try LaravelCiphertext.encrypt(values, key: key, mode: .cbc, variant: variant)
        }
        let current = try cbc(["Jane", "Doe", "Zoë 👩🏽‍💻", "Acme Co"])
        let gcm = try LaravelCiphertext.encrypt(["José", "Müller", "Ünïcode GmbH"], key: key, mode: .gcm)
        let old = try cbc(["Old", "Key"], previousKey)
        let foreign = try cbc(["Wrong", "Foreign Org"], otherKey)
        let badMAC = try cbc(["Bad"], key, .wrongMAC)[0]
        let notJSON = Data("hello".utf8).base64EncodedString()
        let people: [(first: String, last: String?, name: String)] = [
            (current[0], current[1], "Jane Doe"),
            (gcm[0], gcm[1], "José Müller"),
            (old[0], old[1], "Old Key"),
            (current[2], nil, "Zoë 👩🏽‍💻"),
            (foreign[0], "Plain", foreign[0] + " Plain"),  // no key fits: served as stored
            (badMAC, nil, badMAC),
            ("山田", "太郎", "山田 太郎"),
            ("eyJpdiI6 not base64", notJSON, "eyJpdiI6 not base64 " + notJSON),
        ]
        for person in people { expectedPeople[try seed.person(first: person.first, last: person.last)] = person.name }
        for (stored, name) in [(current[3], "Acme Co"), (gcm[2], "Ünïcode GmbH"), ("Plain Org", "Plain Org"), (foreign[1], foreign[1])] {
            expectedOrganizations[try seed.organization(stored)] = name
        }
    }

    func testShowListAndCreateServeDecryptedNames() throws {
        try environment.resetLeads()
        let client = try environment.client()
        let token = environment.fixture.full
        let organizations = Array(Self.expectedOrganizations.keys)
        var created: [String: (person: String, organization: String)] = [:]
        for (index, person) in Self.expectedPeople.keys.enumerated() {
            let organization = organizations[index % organizations.count]
            let response = try client.json("POST", leads, token: token,
                                           body: #"{"title":"Lead \#(index)","person_id":"\#(person)","organization_id":"\#(organization)"}"#)
            XCTAssertEqual(response.status, 201, response.text)
            check(response.data, person: person, organization: organization, "create")
            created[try XCTUnwrap(response.data["id"] as? String)] = (person, organization)
        }
        for (id, expected) in created {
            let response = try client.json("GET", leads + "/" + id, token: token)
            XCTAssertEqual(response.status, 200, response.text)
            check(response.data, person: expected.person, organization: expected.organization, "show")
        }
        let list = try client.json("GET", leads + "?per_page=100", token: token)
        XCTAssertEqual(list.status, 200, list.text)
        let items = try XCTUnwrap(list.object["data"] as? [[String: Any]])
        XCTAssertEqual(items.count, created.count)
        for item in items {
            let expected = try XCTUnwrap(created[item["id"] as? String ?? ""])
            check(item, person: expected.person, organization: expected.organization, "list")
        }
    }

    private func check(_ lead: [String: Any], person: String, organization: String, _ context: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(lead["person"] as? [String: String], ["id": person, "name": Self.expectedPeople[person]!], context, file: file, line: line)
        XCTAssertEqual(lead["organization"] as? [String: String], ["id": organization, "name": Self.expectedOrganizations[organization]!],
                       context, file: file, line: line)
    }

    /// A reload whose configuration lost the key fails, naming the column; the workers of the
    /// previous configuration serve on, decrypting.
    func testAReloadWithoutTheKeyFailsAndTheOldWorkersServeOn() throws {
        let file = NSTemporaryDirectory() + "leadsd-e2e-env-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(file) }
        try "APP_KEY=\(LaravelCiphertext.appKey(Self.key))\n".write(toFile: file, atomically: false, encoding: .utf8)
        let daemon = try EndToEndDaemon(databaseURL: environment.database.url, certificate: environment.certificate,
                                        arguments: ["--workers", "1", "--env-file", file] + EndToEndEnvironment.generousLimits)
        defer { daemon.stop() }
        try "APP_KEY=\n".write(toFile: file, atomically: false, encoding: .utf8)
        daemon.process.signal(SIGHUP)
        var failed: String?
        _ = waitUntil(15) {
            failed = daemon.process.stderrLines().first { $0.contains("\"reload_failed\"") }
            return failed != nil
        }
        XCTAssertTrue(failed?.contains("crm_people.first_name holds Laravel-encrypted values but no APP_KEY is configured") == true,
                      daemon.process.stderr())
        let (person, name) = try XCTUnwrap(Self.expectedPeople.first { $0.value == "Jane Doe" })
        let client = try daemon.client()
        let response = try client.json("POST", leads, token: environment.fixture.full, body: #"{"title":"After reload","person_id":"\#(person)"}"#)
        XCTAssertEqual(response.status, 201, response.text)
        XCTAssertEqual((response.data["person"] as? [String: String])?["name"], name)
    }

    /// Under systemd the key is the `app-key` credential: `$CREDENTIALS_DIRECTORY/app-key`,
    /// 0440 as systemd's ACL shows it, stands in for --app-key-file.
    func testTheAppKeyCredentialDecrypts() throws {
        let credentials = NSTemporaryDirectory() + "leadsd-e2e-credentials-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        XCTAssertEqual(mkdir(credentials, 0o700), 0)
        defer { unlink(credentials + "/app-key"); rmdir(credentials) }
        try (LaravelCiphertext.appKey(Self.key) + "\n").write(toFile: credentials + "/app-key", atomically: false, encoding: .utf8)
        chmod(credentials + "/app-key", 0o440)
        let daemon = try EndToEndDaemon(databaseURL: environment.database.url, certificate: environment.certificate,
                                        arguments: ["--workers", "1"] + EndToEndEnvironment.generousLimits,
                                        environment: ["CREDENTIALS_DIRECTORY": credentials])
        defer { daemon.stop() }
        let (person, name) = try XCTUnwrap(Self.expectedPeople.first { $0.value == "José Müller" })
        let response = try daemon.client().json("POST", leads, token: environment.fixture.full,
                                                body: #"{"title":"Credential","person_id":"\#(person)"}"#)
        XCTAssertEqual(response.status, 201, response.text)
        XCTAssertEqual((response.data["person"] as? [String: String])?["name"], name)
    }

    // MARK: No key

    private func encryptedDatabase(_ prefix: String, column: String) throws -> TestDatabase {
        let database = try TestDatabase(prefix: prefix)
        do {
            let connection = try database.connect()
            defer { connection.close() }
            let seed = CRMSeed(connection)
            let stored = try LaravelCiphertext.encrypt(["Secret"], key: Self.key)[0]
            switch column {
            case "crm_people.first_name": _ = try seed.person(first: stored, last: "Plain")
            case "crm_people.last_name": _ = try seed.person(first: "Plain", last: stored)
            default: _ = try seed.organization(stored)
            }
            _ = try seed.person(first: "Plain", last: "Person")
        } catch {
            database.drop()
            throw error
        }
        return database
    }

    func testWithoutAKeyServeRefusesToStartNamingTheColumn() throws {
        for column in ["crm_people.first_name", "crm_people.last_name", "crm_organizations.name"] {
            let database = try encryptedDatabase("encrypted_refused", column: column)
            defer { database.drop() }
            let daemon = DaemonProcess()
            XCTAssertThrowsError(try daemon.start(arguments: ["--workers", "1"], environment: ["DATABASE_URL": database.url], timeout: 15))
            let status = daemon.waitForExit(timeout: 10)
            XCTAssertEqual(status.map { ($0 >> 8) & 0xFF }, 64, daemon.stderr())
            let lines = daemon.stderrLines()
            XCTAssertEqual(lines.last, "leadsd: \(column) holds Laravel-encrypted values but no APP_KEY is configured: set APP_KEY (or --app-key-file) to the Laravel application's key, so that names are decrypted rather than served as ciphertext", daemon.stderr())
            XCTAssertFalse(daemon.stderr().contains("master_started"), "refused before listening")
        }
    }

    /// Ciphertext written after the start check: the lead carrying it is 503, never the
    /// ciphertext, and the worker stops being ready.
    func testWithoutAKeyCiphertextFoundLaterIsNeverServed() throws {
        let database = try TestDatabase(prefix: "encrypted_later")
        defer { database.drop() }
        let connection = try database.connect()
        defer { connection.close() }
        let seed = CRMSeed(connection)
        let user = try seed.user(name: "Ann", email: "ann@example.test")
        let token = try seed.token(for: user)
        let organization = try seed.organization("Plain Org")
        try seed.leadStatuses()
        let daemon = try EndToEndDaemon(databaseURL: database.url, certificate: environment.certificate,
                                        arguments: ["--workers", "1"] + EndToEndEnvironment.generousLimits)
        defer { daemon.stop() }
        let client = try daemon.client()
        let created = try client.json("POST", leads, token: token, body: #"{"title":"Later","organization_id":"\#(organization)"}"#)
        XCTAssertEqual(created.status, 201, created.text)
        let id = try XCTUnwrap(created.data["id"] as? String)

        let stored = try LaravelCiphertext.encrypt(["Secret Org"], key: Self.key)[0]
        try connection.execute("UPDATE crm_organizations SET name = $1 WHERE external_id = $2", [stored, organization])
        for path in [leads + "/" + id, leads] {
            let response = try client.json("GET", path, token: token)
            XCTAssertEqual(response.status, 503, response.text)
            XCTAssertEqual(response.text, #"{"message":"Service Unavailable."}"#)
            XCTAssertFalse(response.text.contains(stored))
        }
        XCTAssertEqual(try client.request("GET", "/readyz").status, 503)
        XCTAssertTrue(daemon.process.stderrLines().contains { $0.contains("\"encrypted_names_refused\"") && $0.contains("crm_organizations.name") },
                      daemon.process.stderr())
    }

    /// The database cannot be probed at start (here: not migrated yet): the daemon starts,
    /// /readyz is 503 until a worker's own probe answered, and then it follows the finding.
    func testAProbeDeferredToTheWorkersGatesReadiness() throws {
        for encrypted in [false, true] {
            let database = try TestDatabase(prefix: "encrypted_deferred", migrate: false)
            defer { database.drop() }
            let daemon = try EndToEndDaemon(databaseURL: database.url, certificate: environment.certificate,
                                            arguments: ["--workers", "1"], readyPath: "/healthz")
            defer { daemon.stop() }
            XCTAssertTrue(daemon.process.stderr().contains("\"encrypted_names_check_deferred\""), daemon.process.stderr())
            let client = try daemon.client()
            XCTAssertEqual(try client.request("GET", "/readyz").status, 503)

            _ = try database.migrate()
            let connection = try database.connect()
            defer { connection.close() }
            let stored = encrypted ? try LaravelCiphertext.encrypt(["Secret"], key: Self.key)[0] : "Plain"
            _ = try CRMSeed(connection).person(first: stored, last: nil)
            // The worker probes again each second.
            let found = waitUntil(15) {
                daemon.process.stderrLines().contains { $0.contains(encrypted ? "\"encrypted_names_refused\"" : "\"encrypted_names_checked\"") }
            }
            XCTAssertTrue(found, daemon.process.stderr())
            XCTAssertEqual(try client.request("GET", "/readyz").status, encrypted ? 503 : 200, "encrypted: \(encrypted)")
        }
    }
}
