import Dispatch
import Foundation
import HTTP
@testable import LeadsAPI
import Postgres
import TestSupport
import XCTest

/// Lead numbers under concurrency, and the in-write re-check of references.
final class LeadNumberConcurrencyTests: XCTestCase {
    /// Two "workers" (each its own queue and pool, as two processes or hosts would have) on one
    /// database, 200 creates in flight at once: 200 distinct lead numbers, none skipped.
    func testTwoHundredConcurrentCreatesGetDistinctLeadIDs() throws {
        let database = try TestDatabase(prefix: "leads_numbers")
        defer { database.drop() }
        try database.connect().execute(LeadsFixture.seed)
        let workers = (0..<2).map { LeadsInProcessClient(databaseURL: database.url, gate: LeadsFixture.gate(), label: "leads-tests.worker\($0)") }
        defer { workers.forEach { $0.shutdown() } }
        for worker in workers { XCTAssertTrue(worker.waitUntilReady()) }

        let statuses = LeadsStatusLog()
        let group = DispatchGroup()
        for index in 0..<200 {
            let worker = workers[index % 2]
            let request = LeadsInProcessClient.makeRequest(
                "POST", worker.basePath + "/leads", token: LeadsFixture.fullToken, body: #"{"title":"Concurrent \#(index)"}"#,
                headers: [("Content-Type", "application/json")])
            group.enter()
            worker.submit(request) { response in
                statuses.append(response.status, response.body)
                group.leave()
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success, "all 200 creates answered")
        XCTAssertEqual(statuses.statuses.filter { $0 == 201 }.count, 200, "statuses: \(Set(statuses.statuses))")

        let db = try database.connect()
        XCTAssertEqual(try db.scalar("SELECT count(DISTINCT lead_id) FROM crm_leads"), "200")
        XCTAssertEqual(try db.scalar("SELECT min(number)::text || '-' || max(number)::text FROM crm_leads"), "1001-1200")
        // Every answer named the number its committed row has.
        let answered = Set(statuses.bodies.compactMap { body -> String? in
            let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
            return (object?["data"] as? [String: Any])?["lead_id"] as? String
        })
        XCTAssertEqual(answered.count, 200)
    }

    /// A reference soft-deleted after validation is caught inside the write: nothing is
    /// inserted, no number is consumed, and no label is linked.
    func testCreateStatementRechecksReferencesInsideTheWrite() throws {
        let database = try TestDatabase(prefix: "leads_recheck")
        defer { database.drop() }
        let db = try database.connect()
        try db.execute(LeadsFixture.seed)
        let statements = LeadStatements(tablePrefix: "crm_")
        var input = LeadInput()
        input.title = .value("Racing")
        input.personID = .value(LeadsFixture.deletedPerson)
        input.labels = .value([LeadsFixture.hotLabel])
        let parameters = LeadParameters.create(input, externalID: SecureRandom.uuidV4(), userID: 1, team: nil)
        XCTAssertEqual(try db.execute(statements.create.sql, parameters).rows.first?.first?.int, 0)
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM crm_leads"), "0")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM crm_labelables"), "0")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM leadsd_lead_numbers"), "0")

        input.personID = .value(LeadsFixture.person)
        input.labels = .value([LeadsFixture.hotLabel, LeadsFixture.deletedLabel])
        let withDeadLabel = LeadParameters.create(input, externalID: SecureRandom.uuidV4(), userID: 1, team: nil)
        XCTAssertEqual(try db.execute(statements.create.sql, withDeadLabel).rows.first?.first?.int, 0)

        input.labels = .value([LeadsFixture.hotLabel])
        let fine = LeadParameters.create(input, externalID: SecureRandom.uuidV4(), userID: 1, team: nil)
        XCTAssertEqual(try db.execute(statements.create.sql, fine).rows.first?.first?.int, 1)
        XCTAssertEqual(try db.scalar("SELECT lead_id FROM crm_leads"), "L1001")
        XCTAssertEqual(try db.scalar("SELECT count(*) FROM crm_labelables"), "1")
    }

    /// The update statement: a soft-deleted organization refuses the whole change.
    func testUpdateStatementRechecksReferencesInsideTheWrite() throws {
        let database = try TestDatabase(prefix: "leads_recheck_update")
        defer { database.drop() }
        let db = try database.connect()
        try db.execute(LeadsFixture.seed)
        let statements = LeadStatements(tablePrefix: "crm_")
        var create = LeadInput()
        create.title = .value("Before")
        let id = SecureRandom.uuidV4()
        try db.execute(statements.create.sql, LeadParameters.create(create, externalID: id, userID: 1, team: nil))
        try db.execute("UPDATE crm_organizations SET deleted_at = now()")
        var update = LeadInput()
        update.title = .value("After")
        update.organizationID = .value(LeadsFixture.organization)
        let counts = try db.execute(statements.update.sql, LeadParameters.update(update, leadUUID: id, userID: 1, team: nil)).rows.first
        XCTAssertEqual(counts?.map(\.int), [1, 0], "lead found, nothing updated")
        XCTAssertEqual(try db.scalar("SELECT title FROM crm_leads"), "Before")
    }
}

final class LeadsStatusLog: @unchecked Sendable {
    // @unchecked Sendable: every access holds the lock.
    private let lock = NSLock()
    private var storedStatuses: [Int] = []
    private var storedBodies: [[UInt8]] = []
    func append(_ status: Int, _ body: [UInt8]) { lock.lock(); storedStatuses.append(status); storedBodies.append(body); lock.unlock() }
    var statuses: [Int] { lock.lock(); defer { lock.unlock() }; return storedStatuses }
    var bodies: [[UInt8]] { lock.lock(); defer { lock.unlock() }; return storedBodies }
}
