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
}

/// The create answers from its own statement (no read-back): the body must be exactly what a
/// show of the same lead returns.
final class LeadCreateResponseTests: XCTestCase {
    func testCreateAnswerEqualsTheShowOfTheSameLead() throws {
        let database = try TestDatabase(prefix: "leads_create_answer")
        defer { database.drop() }
        try database.connect().execute(LeadsFixture.seed)
        let client = LeadsInProcessClient(databaseURL: database.url, gate: LeadsFixture.gate())
        defer { client.shutdown() }
        XCTAssertTrue(client.waitUntilReady())
        for body in [
            #"{"title":"Bare"}"#,
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
