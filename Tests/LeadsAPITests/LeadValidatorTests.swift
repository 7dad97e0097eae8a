@testable import LeadsAPI
import XCTest

final class LeadValidatorTests: XCTestCase {
    private func validate(_ json: String, _ mode: LeadValidator.Mode = .create) -> (LeadInput, ValidationErrors) {
        guard case .object(let object)? = try? JSONParser.parse(Array(json.utf8)) else {
            XCTFail("bad test JSON \(json)")
            return (LeadInput(), ValidationErrors())
        }
        return LeadValidator.validate(object, mode: mode)
    }

    private func messages(_ json: String, _ mode: LeadValidator.Mode = .create) -> [String: [String]] {
        Dictionary(uniqueKeysWithValues: validate(json, mode).1.entries.map { ($0.path, $0.messages) })
    }

    func testTitleRules() {
        XCTAssertEqual(messages("{}")["title"], ["The title field is required."])
        XCTAssertEqual(messages(#"{"title":"   "}"#)["title"], ["The title field is required."])
        XCTAssertEqual(messages(#"{"title":null}"#)["title"], ["The title field is required."])
        XCTAssertEqual(messages(#"{"title":5}"#)["title"], ["The title field must be a string."])
        XCTAssertEqual(messages(#"{"title":"\#(String(repeating: "é", count: 256))"}"#)["title"],
                       ["The title field must not be greater than 255 characters."])
        XCTAssertNil(messages(#"{"title":"\#(String(repeating: "😀", count: 255))"}"#)["title"])
        XCTAssertNil(messages("{}", .update)["title"], "title is only required on update when present")
        XCTAssertEqual(messages(#"{"title":""}"#, .update)["title"], ["The title field is required."])
        XCTAssertEqual(validate(#"{"title":"  Acme  "}"#).0.title, .value("Acme"))
    }

    func testAmountRulesAndCents() {
        XCTAssertEqual(validate(#"{"title":"t","amount":12500.00}"#).0.amountCents, .value(1_250_000))
        XCTAssertEqual(validate(#"{"title":"t","amount":"1500.5"}"#).0.amountCents, .value(150_050))
        XCTAssertEqual(validate(#"{"title":"t","amount":1e2}"#).0.amountCents, .value(10_000))
        XCTAssertEqual(validate(#"{"title":"t","amount":0.1}"#).0.amountCents, .value(10))
        XCTAssertEqual(validate(#"{"title":"t","amount":"+7"}"#).0.amountCents, .value(700))
        XCTAssertEqual(validate(#"{"title":"t","amount":""}"#).0.amountCents, .null)
        XCTAssertEqual(validate(#"{"title":"t","amount":null}"#).0.amountCents, .null)
        XCTAssertEqual(validate(#"{"title":"t","amount":21474836.47}"#).0.amountCents, .value(2_147_483_647))
        XCTAssertEqual(messages(#"{"title":"t","amount":12.345}"#)["amount"], ["The amount field must have 0-2 decimal places."])
        XCTAssertEqual(messages(#"{"title":"t","amount":"1e2"}"#)["amount"], ["The amount field must have 0-2 decimal places."])
        XCTAssertEqual(messages(#"{"title":"t","amount":-1}"#)["amount"], ["The amount field must be at least 0."])
        XCTAssertEqual(messages(#"{"title":"t","amount":"-1.234"}"#)["amount"],
                       ["The amount field must be at least 0.", "The amount field must have 0-2 decimal places."])
        XCTAssertEqual(messages(#"{"title":"t","amount":"abc"}"#)["amount"],
                       ["The amount field must be a number.", "The amount field must have 0-2 decimal places."])
        XCTAssertEqual(messages(#"{"title":"t","amount":true}"#)["amount"]?.first, "The amount field must be a number.")
        XCTAssertEqual(messages(#"{"title":"t","amount":21474836.48}"#)["amount"],
                       ["The amount field must not be greater than 21474836.47."])
        XCTAssertEqual(messages(#"{"title":"t","amount":1e400}"#)["amount"],
                       ["The amount field must not be greater than 21474836.47."])
        XCTAssertEqual(messages(#"{"title":"t","amount":1e-400}"#)["amount"], ["The amount field must have 0-2 decimal places."])
    }

    func testCurrencyAndDescription() {
        XCTAssertEqual(messages(#"{"title":"t","currency":"EURO"}"#)["currency"], ["The currency field must be 3 characters."])
        XCTAssertEqual(messages(#"{"title":"t","currency":7}"#)["currency"], ["The currency field must be a string."])
        XCTAssertEqual(validate(#"{"title":"t","currency":""}"#).0.currency, .null)
        XCTAssertEqual(validate(#"{"title":"t","currency":" EUR "}"#).0.currency, .value("EUR"))
        XCTAssertEqual(messages(#"{"title":"t","description":[]}"#)["description"], ["The description field must be a string."])
        XCTAssertEqual(validate(#"{"title":"t","description":"  "}"#).0.description, .null)
    }

    func testExpectedCloseFormatAndUTC() {
        let message = ["The expected close field must match the format Y-m-d\\TH:i:sP."]
        XCTAssertEqual(messages(#"{"title":"t","expected_close":"07/15/2026 10:00"}"#)["expected_close"], message)
        XCTAssertEqual(messages(#"{"title":"t","expected_close":"2026-07-15"}"#)["expected_close"], message)
        XCTAssertEqual(messages(#"{"title":"t","expected_close":"2026-02-30T10:00:00Z"}"#)["expected_close"], message)
        XCTAssertEqual(messages(#"{"title":"t","expected_close":"2026-07-15T24:00:00Z"}"#)["expected_close"], message)
        XCTAssertEqual(messages(#"{"title":"t","expected_close":20260715}"#)["expected_close"], message)
        XCTAssertEqual(validate(#"{"title":"t","expected_close":"2026-07-15T10:00:00Z"}"#).0.expectedClose, .value("2026-07-15 10:00:00"))
        XCTAssertEqual(validate(#"{"title":"t","expected_close":"2026-07-15T01:30:00+02:00"}"#).0.expectedClose,
                       .value("2026-07-14 23:30:00"))
        XCTAssertEqual(validate(#"{"title":"t","expected_close":"2024-02-28T22:00:00-05:00"}"#).0.expectedClose,
                       .value("2024-02-29 03:00:00"))
        XCTAssertEqual(validate(#"{"title":"t","expected_close":"2026-12-31T23:59:59-01:00"}"#).0.expectedClose,
                       .value("2027-01-01 00:59:59"))
    }

    func testReferencesAndLabels() {
        XCTAssertEqual(messages(#"{"title":"t","person_id":"not-a-uuid"}"#)["person_id"], ["The person id field must be a valid UUID."])
        XCTAssertEqual(messages(#"{"title":"t","pipeline_stage_id":12}"#)["pipeline_stage_id"],
                       ["The pipeline stage id field must be a valid UUID."])
        XCTAssertEqual(messages(#"{"title":"t","user_owner_id":"x"}"#)["user_owner_id"], ["The user owner id field must be an integer."])
        XCTAssertEqual(messages(#"{"title":"t","user_owner_id":1.5}"#)["user_owner_id"], ["The user owner id field must be an integer."])
        XCTAssertEqual(validate(#"{"title":"t","user_owner_id":"7"}"#).0.userOwnerID, .value(7))
        XCTAssertEqual(validate(#"{"title":"t","user_owner_id":7}"#).0.userOwnerID, .value(7))
        XCTAssertEqual(messages(#"{"title":"t","labels":"x"}"#)["labels"], ["The labels field must be an array."])
        let errors = messages(#"{"title":"t","labels":["1b4e28ba-2fa1-4d2b-883f-0016d3cca427","nope",null]}"#)
        XCTAssertEqual(errors["labels.1"], ["The labels.1 field must be a valid UUID."])
        XCTAssertEqual(errors["labels.2"], ["The labels.2 field must be a valid UUID."])
        XCTAssertNil(errors["labels.0"])
        XCTAssertEqual(validate(#"{"title":"t","person_id":""}"#).0.personID, .null)
        XCTAssertEqual(validate(#"{"title":"t","person_id":"1B4E28BA-2FA1-4D2B-883F-0016D3CCA427"}"#).0.personID,
                       .value("1B4E28BA-2FA1-4D2B-883F-0016D3CCA427"))
    }

    func testExistsMessagesAreSkippedForFailedFieldsAndOrdered() {
        let person = "1b4e28ba-2fa1-4d2b-883f-0016d3cca427"
        let label = "2b4e28ba-2fa1-4d2b-883f-0016d3cca427"
        let (input, errors) = validate(#"{"amount":-1,"person_id":"\#(person)","organization_id":"bad","labels":["\#(label)","\#(person)"]}"#)
        let resolved = ResolvedReferences(personFound: false, organizationFound: false, leadSourceFound: false,
                                          pipelineStageFound: false, userOwnerFound: false, liveLabels: [label])
        var all = errors
        all.merge(LeadValidator.existsErrors(input, resolved), order: LeadValidator.order(of:))
        XCTAssertEqual(all.entries.map(\.path), ["title", "amount", "person_id", "organization_id", "labels.1"])
        XCTAssertEqual(all.entries.map(\.messages), [
            ["The title field is required."], ["The amount field must be at least 0."],
            ["The selected person id is invalid."], ["The organization id field must be a valid UUID."],
            ["The selected labels.1 is invalid."],
        ])
        XCTAssertEqual(all.summary, "The title field is required. (and 4 more errors)")
    }

    func testEnvelope() {
        var errors = ValidationErrors()
        errors.add("title", "The title field is required.")
        XCTAssertEqual(String(decoding: errors.envelope(), as: UTF8.self),
                       #"{"message":"The title field is required.","errors":{"title":["The title field is required."]}}"#)
        errors.add("amount", "The amount field must be a number.")
        XCTAssertEqual(errors.summary, "The title field is required. (and 1 more error)")
        errors.add("amount", "The amount field must have 0-2 decimal places.")
        XCTAssertEqual(errors.summary, "The title field is required. (and 2 more errors)")
        XCTAssertTrue(String(decoding: errors.envelope(), as: UTF8.self).hasPrefix(
            #"{"message":"The title field is required. (and 2 more errors)","errors":{"title":["#))
    }

    func testMediaTypes() {
        XCTAssertTrue(RequestBody.isJSONMediaType("application/json"))
        XCTAssertTrue(RequestBody.isJSONMediaType("Application/JSON; charset=utf-8"))
        XCTAssertTrue(RequestBody.isJSONMediaType("application/vnd.api+json"))
        XCTAssertFalse(RequestBody.isJSONMediaType("text/plain"))
        XCTAssertFalse(RequestBody.isJSONMediaType("application/x-www-form-urlencoded"))
        XCTAssertFalse(RequestBody.isJSONMediaType(nil))
        XCTAssertFalse(RequestBody.isJSONMediaType("json"))
    }
}
