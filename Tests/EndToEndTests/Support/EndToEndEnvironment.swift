#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Postgres
import TestSupport
import XCTest

/// What one end-to-end test class runs against: its own migrated database with the fixture
/// rows, a self-signed certificate, and one or more `leadsd serve` daemons on that database.
/// Made once in the class's `setUp()`, shared by its tests, torn down in `tearDown()`.
final class EndToEndEnvironment {
    let database: TestDatabase
    let certificate: TestCertificate
    private(set) var fixture: EndToEndFixture!
    private(set) var daemons: [EndToEndDaemon] = []
    var daemon: EndToEndDaemon { daemons[0] }

    static let base = "/crm/api/v2"
    static let leads = base + "/leads"

    /// Limits high enough that a class's own tests never reach them; rate-limit tests set theirs.
    static let generousLimits = ["--rate-limit", "1000000", "--guest-rate-limit", "1000000", "--login-rate-limit", "1000000"]

    /// `environment`: the daemons' variables besides DATABASE_URL; `seed`: rows written after
    /// the fixture's and before any daemon starts.
    init(prefix: String, daemons count: Int = 1, arguments: [String] = [], environment: [String: String] = [:],
         encoding: String? = nil, seed: ((CRMSeed) throws -> Void)? = nil) throws {
        let database = try TestDatabase(prefix: "e2e_" + prefix, encoding: encoding)
        self.database = database
        do {
            certificate = try TestCertificate()
        } catch {
            database.drop()
            throw error
        }
        do {
            let connection = try database.connect()
            defer { connection.close() }
            fixture = try EndToEndFixture(seed: CRMSeed(connection))
            try seed?(CRMSeed(connection))
            var all = arguments
            if !all.contains("--workers") { all += ["--workers", "2"] }
            for flag in ["--rate-limit", "--guest-rate-limit", "--login-rate-limit"] where !all.contains(flag) {
                let index = Self.generousLimits.firstIndex(of: flag)!
                all += [flag, Self.generousLimits[index + 1]]
            }
            for _ in 0..<count {
                daemons.append(try EndToEndDaemon(databaseURL: database.url, certificate: certificate, arguments: all,
                                                  environment: environment))
            }
        } catch {
            tearDown()
            throw error
        }
    }

    func connect() throws -> BlockingConnection { try database.connect() }

    /// Runs SQL on a fresh connection (tests check rows behind the API's back).
    @discardableResult
    func sql(_ text: String, _ parameters: [PostgresParameter] = []) throws -> QueryResult {
        let connection = try connect()
        defer { connection.close() }
        return try connection.execute(text, parameters)
    }

    func scalar(_ text: String, _ parameters: [PostgresParameter] = []) throws -> String? {
        try sql(text, parameters).rows.first?.first?.string
    }

    func client(_ index: Int = 0, from source: String? = nil) throws -> HTTPSClient {
        try daemons[index].client(from: source)
    }

    /// Leads, label links and the lead number counter back to empty.
    func resetLeads() throws {
        try sql("TRUNCATE crm_leads, crm_labelables, leadsd_lead_numbers RESTART IDENTITY")
    }

    /// Rate-limit windows are fixed minutes of the database clock; a test that counts exactly
    /// waits until at least `seconds` of the current window are left, so its requests all
    /// land in one window.
    func waitForRateWindow(atLeast seconds: Double = 15) throws {
        let left = Double(try scalar("SELECT 60 - (extract(epoch FROM clock_timestamp()) % 60)") ?? "60") ?? 60
        if left < seconds { usleep(UInt32((left + 0.3) * 1_000_000)) }
    }

    func tearDown() {
        for daemon in daemons { daemon.stop() }
        daemons = []
        certificate.remove()
        database.drop()
    }
}

/// Holds a class's environment, or why it could not be made (reported by every test).
final class EndToEndSlot: @unchecked Sendable {
    // @unchecked Sendable: XCTest runs a class's setUp, tests and tearDown one after another.
    private var environment: EndToEndEnvironment?
    private var failure: Error?

    func make(_ build: () throws -> EndToEndEnvironment) {
        do { environment = try build() } catch { failure = error }
    }

    func get() throws -> EndToEndEnvironment {
        if let environment { return environment }
        throw failure ?? DaemonProcess.Failure("environment not set up")
    }

    func tearDown() {
        environment?.tearDown()
        environment = nil
    }
}
