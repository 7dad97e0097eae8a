import Foundation
import Postgres
import TestSupport
import XCTest

/// Contract §6 through HTTPS: Laravel's validation messages and 422 envelope to the letter, and
/// that a refused write leaves nothing behind.
final class ValidationEndToEndTests: XCTestCase {
    private static let slot = EndToEndSlot()
    private var environment: EndToEndEnvironment!
    private var fixture: EndToEndFixture { environment.fixture }
    private var client: HTTPSClient!
    private let leads = EndToEndEnvironment.leads

    override class func setUp() { slot.make { try EndToEndEnvironment(prefix: "validation") } }
    override class func tearDown() { slot.tearDown() }

    override func setUpWithError() throws {
        environment = try Self.slot.get()
        try environment.resetLeads()
        client = try environment.client()
    }

    private func post(_ body: String, token: String? = nil) throws -> HTTPSResponse {
        try client.json("POST", leads, token: token ?? fixture.full, body: body)
    }

    private func assertInvalid(_ body: String, _ errors: [String: [String]], token: String? = nil,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let response = try post(body, token: token)
        XCTAssertEqual(response.status, 422, response.text, file: file, line: line)
        XCTAssertEqual(response.errors, errors, body, file: file, line: line)
        XCTAssertEqual(try environment.scalar("SELECT count(*) FROM crm_leads"), "0", "nothing written", file: file, line: line)
    }

    func testMissingTitleIs422WithLaravelsEnvelope() throws {
        let response = try post(#"{"amount":5}"#)
        XCTAssertEqual(response.status, 422)
        XCTAssertEqual(response.text, #"{"message":"The title field is required.","errors":{"title":["The title field is required."]}}"#)
        try assertInvalid("{}", ["title": ["The title field is required."]])
        try assertInvalid(#"{"title":"   "}"#, ["title": ["The title field is required."]])
        try assertInvalid(#"{"title":null}"#, ["title": ["The title field is required."]])
        try assertInvalid(#"{"title":5}"#, ["title": ["The title field must be a string."]])
        try assertInvalid(#"{"title":"\#(String(repeating: "é", count: 256))"}"#, ["title": ["The title field must not be greater than 255 characters."]])
        XCTAssertEqual(try post(#"{"title":"\#(String(repeating: "é", count: 255))"}"#).status, 201, "255 characters, not bytes")
    }

    func testPersonIDThatIsNotAUUIDOrNamesNoPersonIs422() throws {
        try assertInvalid(#"{"title":"x","person_id":"42"}"#, ["person_id": ["The person id field must be a valid UUID."]])
        try assertInvalid(#"{"title":"x","person_id":"\#(EndToEndFixture.missing)"}"#, ["person_id": ["The selected person id is invalid."]])
        try assertInvalid(#"{"title":"x","person_id":"\#(fixture.deletedPerson)"}"#, ["person_id": ["The selected person id is invalid."]])
        try assertInvalid(#"{"title":"x","organization_id":"\#(EndToEndFixture.missing)"}"#,
                          ["organization_id": ["The selected organization id is invalid."]])
    }

    func testExpectedCloseFormat() throws {
        let format = #"The expected close field must match the format Y-m-d\TH:i:sP."#
        let response = try post(#"{"title":"x","expected_close":"07/15/2026 10:00"}"#)
        XCTAssertEqual(response.status, 422)
        XCTAssertTrue(response.text.contains(#"Y-m-d\\TH:i:sP."#), "the backslash escaped in JSON: \(response.text)")
        for value in ["07/15/2026 10:00", "2026-07-15", "2026-07-15 10:00:00", "2026-07-15T10:00:00", "2026-13-01T00:00:00Z"] {
            try assertInvalid(#"{"title":"x","expected_close":"\#(value)"}"#, ["expected_close": [format]])
        }
        let zulu = try post(#"{"title":"x","expected_close":"2026-07-15T10:00:00Z"}"#)
        XCTAssertEqual(zulu.status, 201, zulu.text)
        XCTAssertEqual(zulu.data["expected_close"] as? String, "2026-07-15T10:00:00+00:00")
        let offset = try post(#"{"title":"y","expected_close":"2026-07-15T10:00:00+02:00"}"#)
        XCTAssertEqual(offset.data["expected_close"] as? String, "2026-07-15T08:00:00+00:00", "stored in UTC")
        XCTAssertEqual(try environment.scalar("SELECT expected_close FROM crm_leads WHERE title = 'y'"), "2026-07-15 08:00:00")
        let rollover = try post(#"{"title":"z","expected_close":"2026-12-31T23:30:00-02:00"}"#)
        XCTAssertEqual(rollover.data["expected_close"] as? String, "2027-01-01T01:30:00+00:00", "the day and year roll over in UTC")
        for value in ["2026-07-15T10:00:00.5Z", "2026-07-15T10:00:00+0200", "2026-02-30T10:00:00Z", "2026-07-15T24:00:00Z"] {
            let refused = try post(#"{"title":"x","expected_close":"\#(value)"}"#)
            XCTAssertEqual(refused.status, 422, value)
            XCTAssertEqual(refused.errors, ["expected_close": [format]], value)
        }
    }

    func testAmountCurrencyOwnerAndLabelRules() throws {
        // Laravel runs every rule of the field: `decimal` fails too on what is not a number.
        try assertInvalid(#"{"title":"x","amount":"abc"}"#,
                          ["amount": ["The amount field must be a number.", "The amount field must have 0-2 decimal places."]])
        try assertInvalid(#"{"title":"x","amount":-1}"#, ["amount": ["The amount field must be at least 0."]])
        try assertInvalid(#"{"title":"x","amount":1.234}"#, ["amount": ["The amount field must have 0-2 decimal places."]])
        try assertInvalid(#"{"title":"x","currency":"EURO"}"#, ["currency": ["The currency field must be 3 characters."]])
        try assertInvalid(#"{"title":"x","user_owner_id":"abc"}"#, ["user_owner_id": ["The user owner id field must be an integer."]])
        try assertInvalid(#"{"title":"x","user_owner_id":999999}"#, ["user_owner_id": ["The selected user owner id is invalid."]])
        try assertInvalid(#"{"title":"x","labels":"\#(fixture.hotLabel)"}"#, ["labels": ["The labels field must be an array."]])
        try assertInvalid(#"{"title":"x","labels":["\#(fixture.hotLabel)","nope"]}"#, ["labels.1": ["The labels.1 field must be a valid UUID."]])
        try assertInvalid(#"{"title":"x","labels":["\#(EndToEndFixture.missing)"]}"#, ["labels.0": ["The selected labels.0 is invalid."]])
    }

    func testAmountAtTheEdgeOfTheColumn() throws {
        let largest = try post(#"{"title":"x","amount":21474836.47}"#)
        XCTAssertEqual(largest.status, 201, largest.text)
        XCTAssertTrue(largest.text.contains(#""amount":21474836.47,"#), largest.text)
        XCTAssertEqual(try environment.scalar("SELECT amount FROM crm_leads"), "2147483647")
        let over = try post(#"{"title":"y","amount":"21474836.48"}"#)
        XCTAssertEqual(over.status, 422, over.text)
        XCTAssertEqual(over.errors, ["amount": ["The amount field must not be greater than 21474836.47."]])
        let small = try post(#"{"title":"z","amount":0.1}"#)
        XCTAssertTrue(small.text.contains(#""amount":0.10,"#), small.text)
    }

    func testSeveralErrorsAreCountedInTheMessage() throws {
        let response = try post(#"{"amount":-1,"currency":"EURO","person_id":"x"}"#)
        XCTAssertEqual(response.status, 422)
        XCTAssertEqual(response.message, "The title field is required. (and 3 more errors)")
        XCTAssertEqual(response.errors.count, 4)
        let two = try post(#"{"currency":"EURO"}"#)
        XCTAssertEqual(two.message, "The title field is required. (and 1 more error)")
    }

    /// PostgreSQL text cannot hold NUL: refused as a validation error, never a 500.
    func testNULInTextIs422NotAServerError() throws {
        let response = try post(#"{"title":"a\u0000b"}"#)
        XCTAssertEqual(response.status, 422, response.text)
        XCTAssertEqual(response.errors.keys.sorted(), ["title"])
        let description = try post(#"{"title":"ok","description":"x\u0000"}"#)
        XCTAssertNotEqual(description.status, 500, description.text)
        XCTAssertTrue([201, 422].contains(description.status), description.text)
    }

    func testValidationComesBeforeTheAbilityCheck() throws {
        try assertInvalid("{}", ["title": ["The title field is required."]], token: fixture.viewer)
        try assertInvalid(#"{"title":"x","person_id":"\#(EndToEndFixture.missing)"}"#, ["person_id": ["The selected person id is invalid."]],
                          token: fixture.viewer)
        XCTAssertEqual(try post(#"{"title":"x"}"#, token: fixture.viewer).status, 403)
    }

    func testAnInvalidUpdateChangesNothing() throws {
        let created = try post(#"{"title":"Stable","amount":1}"#)
        let id = try XCTUnwrap(created.data["id"] as? String)
        let response = try client.json("PATCH", leads + "/" + id, token: fixture.full, body: #"{"title":"","amount":"x"}"#)
        XCTAssertEqual(response.status, 422)
        XCTAssertEqual(response.errors, ["title": ["The title field is required."],
                                         "amount": ["The amount field must be a number.", "The amount field must have 0-2 decimal places."]])
        XCTAssertEqual(try environment.sql("SELECT title, amount FROM crm_leads WHERE external_id = $1", [id]).rows.first?.map(\.string),
                       ["Stable", "100"])
    }

    func testUnknownFieldsAreIgnoredAndClientsCannotChooseTheID() throws {
        let response = try post(#"{"title":"x","id":"\#(EndToEndFixture.missing)","lead_id":"MINE","unknown":[1,2]}"#)
        XCTAssertEqual(response.status, 201, response.text)
        XCTAssertNotEqual(response.data["id"] as? String, EndToEndFixture.missing)
        XCTAssertEqual(response.data["lead_id"] as? String, "L1001")
    }
}
