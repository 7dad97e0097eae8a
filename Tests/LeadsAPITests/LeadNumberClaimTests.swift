import Foundation
@testable import LeadsAPI
import Postgres
import TestSupport
import XCTest

/// The lead-number claim: a short transaction of its own before the create, so the counter
/// row is not held through the create's commit, with the numbering of contract §5 intact.
final class LeadNumberClaimTests: XCTestCase {
    private let statements = LeadStatements(tablePrefix: "crm_")

    private func input(_ title: String, person: String? = nil) -> LeadInput {
        var input = LeadInput()
        input.title = .value(title)
        if let person { input.personID = .value(person) }
        return input
    }

    @discardableResult
    private func claim(_ db: BlockingConnection, _ externalID: String) throws -> String? {
        try db.execute(statements.claimNumber.sql, [externalID]).rows.first?.first?.string
    }

    @discardableResult
    private func create(_ db: BlockingConnection, _ externalID: String, _ input: LeadInput) throws -> Int? {
        try db.execute(statements.create.sql, LeadParameters.create(input, externalID: externalID, userID: 1, team: nil)).rows.first?.first?.int
    }

    @discardableResult
    private func createBare(_ db: BlockingConnection, _ externalID: String, _ input: LeadInput) throws -> Int? {
        try db.execute(statements.createBare.sql, LeadParameters.createBare(input, externalID: externalID, userID: 1, team: nil)).rows.first?.first?.int
    }

    private func leadID(_ db: BlockingConnection, _ externalID: String) throws -> String? {
        try db.scalar("SELECT lead_id FROM crm_leads WHERE external_id = $1", [externalID])
    }

    func testClaimedNumberIsUsedOnlyByItsCreateAndGivenBackWhenNothingIsInserted() throws {
        let database = try TestDatabase(prefix: "leads_claims")
        defer { database.drop() }
        let db = try database.connect()
        try db.execute(LeadsFixture.seed)

        let first = SecureRandom.uuidV4()
        XCTAssertEqual(try claim(db, first), "\(first):1001")
        XCTAssertEqual(try create(db, first, input("First")), 1)
        XCTAssertEqual(try leadID(db, first), "L1001")

        // A claim made for another lead is not taken: this create numbers itself.
        try claim(db, SecureRandom.uuidV4())
        let unclaimed = SecureRandom.uuidV4()
        XCTAssertEqual(try create(db, unclaimed, input("Unclaimed")), 1)
        XCTAssertEqual(try leadID(db, unclaimed), "L1003", "1002 is held by the other claim")

        // A create that inserts nothing (its person was deleted) gives its claim back.
        let failing = SecureRandom.uuidV4()
        XCTAssertEqual(try claim(db, failing), "\(failing):1004")
        XCTAssertEqual(try create(db, failing, input("Dead person", person: LeadsFixture.deletedPerson)), 0)
        let next = SecureRandom.uuidV4()
        XCTAssertEqual(try claim(db, next), "\(next):1004")
        XCTAssertEqual(try create(db, next, input("Next")), 1)
        XCTAssertEqual(try leadID(db, next), "L1004")

        // The bare create takes its claim; without one (or with another lead's) it writes
        // nothing and takes no number.
        let bare = SecureRandom.uuidV4()
        XCTAssertEqual(try claim(db, bare), "\(bare):1005")
        XCTAssertEqual(try createBare(db, bare, input("Bare")), 1)
        XCTAssertEqual(try leadID(db, bare), "L1005")
        let bareUnclaimed = SecureRandom.uuidV4()
        XCTAssertNil(try createBare(db, bareUnclaimed, input("Bare unclaimed")))
        XCTAssertNil(try leadID(db, bareUnclaimed))
        let bareClaimed = SecureRandom.uuidV4()
        XCTAssertEqual(try claim(db, bareClaimed), "\(bareClaimed):1006")
        XCTAssertEqual(try createBare(db, bareClaimed, input("Bare claimed")), 1)
        XCTAssertEqual(try leadID(db, bareClaimed), "L1006")

        // A row Laravel CRM numbered itself (soft-deleted, even) is honoured by the next claim.
        try db.execute("INSERT INTO crm_leads (external_id, title, number, lead_id, deleted_at) VALUES ('laravel', 'L', 5000, 'L5000', now())")
        let after = SecureRandom.uuidV4()
        XCTAssertEqual(try claim(db, after), "\(after):5001")
    }

    /// While one create holds its transaction open, another session can still claim the next
    /// number at once (it would wait for the first's COMMIT if the create held the counter).
    func testClaimDoesNotWaitForAnotherCreatesCommit() throws {
        let database = try TestDatabase(prefix: "leads_claims_wait")
        defer { database.drop() }
        let a = try database.connect()
        let b = try database.connect()
        try a.execute(LeadsFixture.seed)

        let slow = SecureRandom.uuidV4()
        try claim(a, slow)
        try a.execute("BEGIN")
        XCTAssertEqual(try create(a, slow, input("Slow")), 1)

        try b.execute("SET lock_timeout = '2s'")
        let quick = SecureRandom.uuidV4()
        XCTAssertEqual(try claim(b, quick), "\(quick):1002", "no wait for the open create")
        XCTAssertEqual(try create(b, quick, input("Quick")), 1)
        try a.execute("COMMIT")
        XCTAssertEqual(try a.scalar("SELECT string_agg(lead_id, ',' ORDER BY number) FROM crm_leads"), "L1001,L1002")
    }

    /// Only a body that names nothing to look up goes to the bare statement.
    func testBareMeansNoReferenceAndNoLabel() {
        var input = input("Plain")
        input.description = .value("d")
        input.amountCents = .value(1250)
        input.currency = .value("EUR")
        input.expectedClose = .value("2026-09-30 00:00:00")
        XCTAssertTrue(LeadParameters.isBare(input))
        var nulls = input
        nulls.personID = .null
        nulls.userOwnerID = .null
        nulls.labels = .value([])
        XCTAssertTrue(LeadParameters.isBare(nulls), "null references and an empty label list name nothing")
        var named: [LeadInput] = []
        for change: (inout LeadInput) -> Void in [
            { $0.personID = .value("p") }, { $0.organizationID = .value("o") }, { $0.leadSourceID = .value("s") },
            { $0.pipelineStageID = .value("st") }, { $0.userOwnerID = .value(2) }, { $0.labels = .value(["l"]) },
        ] {
            var one = input
            change(&one)
            named.append(one)
        }
        for one in named { XCTAssertFalse(LeadParameters.isBare(one)) }
    }
}

/// The create answers from its own statement (no read-back): the body must be exactly what a
/// show of the same lead returns.
final class LeadCreateResponseTests: XCTestCase {
    func testCreateAnswerEqualsTheShowOfTheSameLead() throws {
        let environment = try LeadsIntegrationEnvironment(prefix: "create_answer")
        defer { environment.tearDown() }
        let client = environment.client
        for body in [
            #"{"title":"Bare"}"#,
            #"{"title":"Bare, every field","description":"d","amount":12.5,"currency":"EUR","expected_close":"2026-09-30T00:00:00+00:00","person_id":null,"user_owner_id":null,"labels":[]}"#,
            """
            {"title":"Linked \\"quoted\\"","description":"d","amount":12.5,"currency":"EUR","expected_close":"2026-09-30T00:00:00+00:00",
             "person_id":"\(LeadsFixture.person)","organization_id":"\(LeadsFixture.organization)","user_owner_id":2,
             "labels":["\(LeadsFixture.coldLabel)","\(LeadsFixture.hotLabel)"]}
            """,
        ] {
            let created = client.request("POST", client.basePath + "/leads", json: body)
            XCTAssertEqual(created.status, 201, created.text)
            let id = try XCTUnwrap(created.data["id"] as? String)
            let shown = client.request("GET", client.basePath + "/leads/" + id)
            XCTAssertEqual(shown.status, 200)
            XCTAssertEqual(created.text, shown.text)
        }
    }
}

/// A bare create whose number claim did not come through writes nothing and is started once
/// more; a second miss is a 503. The database is real; only the claim's batch is dropped on
/// its way, as a claim that failed on the server would be.
final class LeadCreateLostClaimTests: XCTestCase {
    func testBareCreateStartsAgainWhenItsClaimIsLost() throws {
        let database = try TestDatabase(prefix: "leads_lost_claim")
        defer { database.drop() }
        try database.connect().execute(LeadsFixture.seed)
        var dropper: ClaimDroppingRunner?
        let client = LeadsInProcessClient(databaseURL: database.url, gate: LeadsFixture.gate()) { pool in
            let runner = ClaimDroppingRunner(pool)
            dropper = runner
            return runner
        }
        defer { client.shutdown() }
        XCTAssertTrue(client.waitUntilReady())
        let runner = try XCTUnwrap(dropper)
        let db = try database.connect()

        runner.drops = 1
        let created = client.request("POST", client.basePath + "/leads", json: #"{"title":"Second try"}"#)
        XCTAssertEqual(created.status, 201, created.text)
        XCTAssertEqual(created.data["lead_id"] as? String, "L1001")
        XCTAssertEqual(runner.dropped, 1)

        runner.drops = 2
        let refused = client.request("POST", client.basePath + "/leads", json: #"{"title":"Never"}"#)
        XCTAssertEqual(refused.status, 503, refused.text)
        XCTAssertEqual(runner.dropped, 3)
        XCTAssertEqual(try db.scalar("SELECT count(*)::text FROM crm_leads WHERE title = 'Never'"), "0")

        let next = client.request("POST", client.basePath + "/leads", json: #"{"title":"Next"}"#)
        XCTAssertEqual(next.data["lead_id"] as? String, "L1002", "no number was taken by the lost attempts")
    }
}
