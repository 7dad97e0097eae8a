import Foundation
import HTTP
@testable import LeadsAPI
import Postgres
import XCTest

/// The lead endpoints through LeadsApplication on a real PostgreSQL (contract §1, §5–§8 and
/// the behaviours of Laravel CRM's own lead API tests).
final class LeadsEndpointTests: XCTestCase {
    private static let slot = LeadsEnvironmentSlot()
    private var environment: LeadsIntegrationEnvironment!
    private var client: LeadsInProcessClient { environment.client }
    private var base: String { client.basePath }
    private var leads: String { client.basePath + "/leads" }

    override class func setUp() { slot.make(prefix: "endpoints") }
    override class func tearDown() { slot.tearDown() }

    override func setUpWithError() throws {
        environment = try Self.slot.get()
        try environment.resetLeads()
    }

    private func db() throws -> BlockingConnection { try environment.database.connect() }

    @discardableResult
    private func create(_ json: String, token: String = LeadsFixture.fullToken, file: StaticString = #filePath,
                        line: UInt = #line) -> [String: Any] {
        let response = client.request("POST", leads, token: token, json: json)
        XCTAssertEqual(response.status, 201, response.text, file: file, line: line)
        return response.data
    }

    // MARK: Authentication and order of checks

    func testUnauthenticatedGetAndPostAre401() {
        for (method, json) in [("GET", nil), ("POST", #"{"title":"x"}"#)] as [(String, String?)] {
            let response = client.request(method, leads, token: nil, json: json)
            XCTAssertEqual(response.status, 401)
            XCTAssertEqual(response.text, #"{"message":"Unauthenticated."}"#)
            XCTAssertEqual(response.headers["X-RateLimit-Limit"], "60")
            XCTAssertEqual(response.headers["Content-Type"], "application/json")
        }
        XCTAssertEqual(client.request("GET", leads, token: "9|wrong").status, 401)
    }

    func testRateLimitedTokenIs429WithHeaders() {
        let response = client.request("GET", leads, token: LeadsFixture.limitedToken)
        XCTAssertEqual(response.status, 429)
        XCTAssertEqual(response.message, "Too Many Attempts.")
        XCTAssertEqual(response.headers["Retry-After"], "30")
        XCTAssertEqual(response.headers["X-RateLimit-Remaining"], "0")
        XCTAssertNotNil(response.headers["X-RateLimit-Reset"])
    }

    func testUserWithoutCRMAccessIs403BeforeLookupAndValidation() {
        for (method, path) in [("GET", leads), ("GET", leads + "/" + LeadsFixture.missing), ("POST", leads)] {
            let response = client.request(method, path, token: LeadsFixture.noAccessToken, json: method == "POST" ? "{}" : nil)
            XCTAssertEqual(response.status, 403, "\(method) \(path)")
            XCTAssertEqual(response.text, #"{"message":"This action is unauthorized."}"#)
        }
    }

    func testValidationComesBeforeTheAbilityCheck() {
        let invalid = client.request("POST", leads, token: LeadsFixture.viewerToken, json: "{}")
        XCTAssertEqual(invalid.status, 422)
        let invalidReference = client.request("POST", leads, token: LeadsFixture.viewerToken,
                                              json: #"{"title":"x","person_id":"\#(LeadsFixture.missing)"}"#)
        XCTAssertEqual(invalidReference.status, 422)
        XCTAssertEqual(invalidReference.errors["person_id"], ["The selected person id is invalid."])
        let valid = client.request("POST", leads, token: LeadsFixture.viewerToken, json: #"{"title":"x"}"#)
        XCTAssertEqual(valid.status, 403)
        XCTAssertEqual(valid.message, "This action is unauthorized.")
        XCTAssertEqual(try db().scalar("SELECT count(*) FROM crm_leads"), "0")
    }

    // MARK: Routing

    func testUnknownRouteAndWrongMethod() {
        let unknown = client.request("GET", base + "/nothing/here")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.message, "The route crm/api/v2/nothing/here could not be found.")
        XCTAssertEqual(unknown.headers["X-RateLimit-Limit"], "60", "unknown routes are counted against the IP")

        let wrong = client.request("DELETE", leads)
        XCTAssertEqual(wrong.status, 405)
        XCTAssertEqual(wrong.message, "The DELETE method is not supported for route crm/api/v2/leads. Supported methods: GET, HEAD, POST.")
        XCTAssertEqual(wrong.headers["Allow"], "GET, HEAD, POST")

        let wrongItem = client.request("POST", leads + "/" + LeadsFixture.missing)
        XCTAssertEqual(wrongItem.status, 405)
        XCTAssertEqual(wrongItem.headers["Allow"], "GET, HEAD, PUT, PATCH, DELETE")
    }

    func testHeadAnswersLikeGetWithoutBody() throws {
        let lead = create(#"{"title":"Head"}"#)
        let head = client.request("HEAD", leads + "/" + (lead["id"] as? String ?? ""))
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.headers["Content-Type"], "application/json")
        XCTAssertTrue(head.body.isEmpty)
        XCTAssertEqual(client.request("HEAD", leads).status, 200)
        XCTAssertEqual(client.request("HEAD", leads + "/" + LeadsFixture.missing).status, 404)
    }

    // MARK: Create

    func testCreateStoresAmountInCentsAndSetsDefaults() throws {
        let response = client.request("POST", leads, json: #"{"title":"  Acme renewal ","amount":12500.5,"expected_close":"2026-09-30T00:00:00Z"}"#)
        XCTAssertEqual(response.status, 201, response.text)
        XCTAssertTrue(response.text.contains(#""amount":12500.50,"#), response.text)
        let data = response.data
        XCTAssertEqual(data["title"] as? String, "Acme renewal")
        XCTAssertEqual(data["lead_id"] as? String, "L1001")
        XCTAssertEqual(data["currency"] as? String, "USD")
        XCTAssertEqual(data["expected_close"] as? String, "2026-09-30T00:00:00+00:00")
        XCTAssertTrue(data["owner"] is NSNull)
        XCTAssertEqual((data["labels"] as? [Any])?.count, 0)
        let id = try XCTUnwrap(data["id"] as? String)
        XCTAssertTrue(UUIDRule.isValid(id))
        XCTAssertEqual(Array(id.utf8)[14], UInt8(ascii: "4"), "a version 4 UUID")
        let row = try db().execute("""
            SELECT amount, currency, lead_status_id, qualified, user_created_id, number, prefix, lead_id
            FROM crm_leads WHERE external_id = $1
            """, [id]).rows.first
        XCTAssertEqual(row?.map(\.string), ["1250050", "USD", "1", "f", "1", "1001", "L", "L1001"])
    }

    func testCreateResolvesPersonOrganizationOwnerLabelsFromUUIDs() throws {
        let data = create("""
            {"title":"Linked","person_id":"\(LeadsFixture.person)","organization_id":"\(LeadsFixture.organization)",
             "user_owner_id":2,"labels":["\(LeadsFixture.coldLabel)","\(LeadsFixture.hotLabel)","\(LeadsFixture.coldLabel)"],
             "lead_source_id":"\(LeadsFixture.leadSource)","pipeline_stage_id":"\(LeadsFixture.pipelineStage)"}
            """)
        XCTAssertEqual((data["owner"] as? [String: Any])?["id"] as? Int, 2)
        XCTAssertEqual((data["owner"] as? [String: Any])?["name"] as? String, "Bob Roe")
        XCTAssertEqual(data["person"] as? [String: String], ["id": LeadsFixture.person, "name": "John Smith"])
        XCTAssertEqual(data["organization"] as? [String: String], ["id": LeadsFixture.organization, "name": "Acme Co"])
        XCTAssertEqual(data["labels"] as? [[String: String]], [
            ["id": LeadsFixture.hotLabel, "name": "Hot"], ["id": LeadsFixture.coldLabel, "name": "Cold"],
        ], "labels ordered by crm_labels.id, each once")
        let row = try db().execute("""
            SELECT l.pipeline_id, (SELECT count(*) FROM crm_labelables WHERE crm_labelable_id = l.id
                   AND crm_labelable_type = 'VentureDrake\\LaravelCrm\\Models\\Lead')
            FROM crm_leads l WHERE external_id = $1
            """, [data["id"] as? String]).rows.first
        XCTAssertEqual(row?.map(\.string), ["7", "2"])
    }

    func testResourceKeysInContractOrder() throws {
        let response = client.request("POST", leads, json: #"{"title":"Order"}"#)
        let keys = ["id", "lead_id", "title", "description", "amount", "currency", "expected_close", "converted_at",
                    "created_at", "updated_at", "deleted_at", "owner", "person", "organization", "labels"]
        var position = response.text.startIndex
        for key in keys {
            guard let range = response.text.range(of: "\"\(key)\":", range: position..<response.text.endIndex) else {
                return XCTFail("\(key) missing or out of order in \(response.text)")
            }
            position = range.upperBound
        }
        XCTAssertTrue(response.text.hasPrefix(#"{"data":{"id":""#))
    }

    func testCreateValidationFailures() throws {
        let missingTitle = client.request("POST", leads, json: #"{"amount":5}"#)
        XCTAssertEqual(missingTitle.status, 422)
        XCTAssertEqual(missingTitle.text,
                       #"{"message":"The title field is required.","errors":{"title":["The title field is required."]}}"#)

        let notUUID = client.request("POST", leads, json: #"{"title":"x","person_id":"12"}"#)
        XCTAssertEqual(notUUID.errors, ["person_id": ["The person id field must be a valid UUID."]])

        let unknownPerson = client.request("POST", leads, json: #"{"title":"x","person_id":"\#(LeadsFixture.missing)"}"#)
        XCTAssertEqual(unknownPerson.status, 422)
        XCTAssertEqual(unknownPerson.errors, ["person_id": ["The selected person id is invalid."]])

        let deletedPerson = client.request("POST", leads, json: #"{"title":"x","person_id":"\#(LeadsFixture.deletedPerson)"}"#)
        XCTAssertEqual(deletedPerson.errors, ["person_id": ["The selected person id is invalid."]])

        let badDate = client.request("POST", leads, json: #"{"title":"x","expected_close":"07/15/2026 10:00"}"#)
        XCTAssertEqual(badDate.errors, ["expected_close": ["The expected close field must match the format Y-m-d\\TH:i:sP."]])

        let many = client.request("POST", leads, json: """
            {"amount":"abc","user_owner_id":99,"labels":["\(LeadsFixture.hotLabel)","\(LeadsFixture.deletedLabel)","x"],
             "organization_id":"\(LeadsFixture.missing)"}
            """)
        XCTAssertEqual(many.status, 422)
        XCTAssertEqual(many.message, "The title field is required. (and 6 more errors)")
        XCTAssertEqual(many.errors, [
            "title": ["The title field is required."],
            "amount": ["The amount field must be a number.", "The amount field must have 0-2 decimal places."],
            "organization_id": ["The selected organization id is invalid."],
            "user_owner_id": ["The selected user owner id is invalid."],
            "labels.2": ["The labels.2 field must be a valid UUID."],
        ].merging(["labels.1": ["The selected labels.1 is invalid."]]) { a, _ in a })
        let errorKeys = try XCTUnwrap(many.text.range(of: #""errors":"#)).upperBound
        let order = ["title", "amount", "organization_id", "user_owner_id", "labels.1", "labels.2"]
        var position = errorKeys
        for key in order {
            let range = try XCTUnwrap(many.text.range(of: "\"\(key)\":", range: position..<many.text.endIndex), "\(key) out of order")
            position = range.upperBound
        }
        XCTAssertEqual(try db().scalar("SELECT count(*) FROM crm_leads"), "0", "nothing written by refused creates")
    }

    func testExpectedCloseZuluAndOffsetsStoredAsUTC() throws {
        let zulu = create(#"{"title":"z","expected_close":"2026-07-15T10:00:00Z"}"#)
        XCTAssertEqual(zulu["expected_close"] as? String, "2026-07-15T10:00:00+00:00")
        let offset = create(#"{"title":"o","expected_close":"2026-07-15T10:00:00+02:30"}"#)
        XCTAssertEqual(offset["expected_close"] as? String, "2026-07-15T07:30:00+00:00")
        XCTAssertEqual(try db().scalar("SELECT expected_close::text FROM crm_leads WHERE title = 'o'"), "2026-07-15 07:30:00")
    }

    // MARK: Body checks

    func testBodyErrors() throws {
        let malformed = client.request("POST", leads, json: #"{"title":"x""#)
        XCTAssertEqual(malformed.status, 400)
        XCTAssertEqual(malformed.text, #"{"message":"Malformed JSON body."}"#)
        XCTAssertEqual(client.request("POST", leads, json: #"["title"]"#).status, 400, "not an object")
        XCTAssertEqual(client.request("POST", leads, json: #"{"title":"x"} trailing"#).status, 400)
        let wrongType = client.request("POST", leads, json: #"{"title":"x"}"#, headers: [("Content-Type", "text/plain")])
        XCTAssertEqual(wrongType.status, 415)
        XCTAssertEqual(wrongType.text, #"{"message":"Unsupported Media Type."}"#)
        XCTAssertEqual(client.request("POST", leads, json: #"{"title":"x"}"#,
                                      headers: [("Content-Type", "application/vnd.api+json")]).status, 201)
        let empty = client.send("POST", leads, token: LeadsFixture.fullToken, body: nil, headers: [])
        XCTAssertEqual(empty.status, 422, "an empty body counts as {}")
        XCTAssertEqual(empty.errors["title"], ["The title field is required."])
        XCTAssertEqual(try db().scalar("SELECT count(*) FROM crm_leads"), "1")

        // The lead lookup comes before the body checks.
        let unknownLead = client.request("PUT", leads + "/" + LeadsFixture.missing, json: "{nope")
        XCTAssertEqual(unknownLead.status, 404)
        XCTAssertEqual(unknownLead.text, #"{"message":"Lead not found."}"#)
    }

    // MARK: Show

    func testShowByUUIDAnd404s() throws {
        let created = create(#"{"title":"Shown","description":"line\nbreak \"quoted\" 😀"}"#)
        let id = try XCTUnwrap(created["id"] as? String)
        let shown = client.request("GET", leads + "/" + id)
        XCTAssertEqual(shown.status, 200)
        XCTAssertEqual(shown.data["title"] as? String, "Shown")
        XCTAssertEqual(shown.data["description"] as? String, "line\nbreak \"quoted\" 😀")
        XCTAssertEqual(shown.data["created_at"] as? String, created["created_at"] as? String)
        let timestamp = try XCTUnwrap(shown.data["created_at"] as? String)
        XCTAssertNotNil(timestamp.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$"#, options: .regularExpression))

        XCTAssertEqual(client.request("GET", leads + "/" + id.uppercased()).status, 404, "external ids compare exactly")
        XCTAssertEqual(client.request("GET", leads + "/" + LeadsFixture.missing).text, #"{"message":"Lead not found."}"#)
        XCTAssertEqual(client.request("GET", leads + "/not-a-uuid").status, 404)
    }

    func testAbilitiesForShowCreateAndDelete() throws {
        let id = try XCTUnwrap(create(#"{"title":"Guarded"}"#)["id"] as? String)
        XCTAssertEqual(client.request("GET", leads + "/" + id, token: LeadsFixture.creatorToken).status, 403)
        XCTAssertEqual(client.request("GET", leads, token: LeadsFixture.creatorToken).status, 403)
        XCTAssertEqual(client.request("POST", leads, token: LeadsFixture.viewerToken, json: #"{"title":"no"}"#).status, 403)
        let refusedDelete = client.request("DELETE", leads + "/" + id, token: LeadsFixture.viewerToken)
        XCTAssertEqual(refusedDelete.status, 403)
        XCTAssertEqual(refusedDelete.message, "This action is unauthorized.")
        XCTAssertEqual(client.request("DELETE", leads + "/" + LeadsFixture.missing, token: LeadsFixture.viewerToken).status, 404)
        XCTAssertEqual(client.request("PATCH", leads + "/" + id, token: LeadsFixture.viewerToken, json: #"{"title":"no"}"#).status, 403)
        XCTAssertEqual(client.request("GET", leads + "/" + id, token: LeadsFixture.viewerToken).status, 200, "the lead survived")
        XCTAssertEqual(try db().scalar("SELECT count(*) FROM crm_leads WHERE deleted_at IS NULL AND title = 'Guarded'"), "1")
    }

    // MARK: Update

    func testUpdateTitleAndAmount() throws {
        let id = try XCTUnwrap(create(#"{"title":"Before","amount":10,"currency":"EUR"}"#)["id"] as? String)
        let put = client.request("PUT", leads + "/" + id, json: #"{"title":"After","amount":"99.99"}"#)
        XCTAssertEqual(put.status, 200, put.text)
        XCTAssertEqual(put.data["title"] as? String, "After")
        XCTAssertTrue(put.text.contains(#""amount":99.99,"currency":"EUR""#), put.text)
        let patch = client.request("PATCH", leads + "/" + id, json: #"{"amount":null}"#)
        XCTAssertEqual(patch.status, 200)
        XCTAssertTrue(patch.data["amount"] is NSNull)
        XCTAssertEqual(patch.data["title"] as? String, "After")
        let row = try db().execute("SELECT amount, user_updated_id, title FROM crm_leads WHERE external_id = $1", [id]).rows.first
        XCTAssertEqual(row?.map(\.string), [nil, "1", "After"])
        let invalid = client.request("PUT", leads + "/" + id, json: #"{"title":"","amount":1.234}"#)
        XCTAssertEqual(invalid.status, 422)
        XCTAssertEqual(invalid.message, "The title field is required. (and 1 more error)")
    }

    func testUpdateKeepsOmittedReferencesAndClearsNulls() throws {
        let id = try XCTUnwrap(create("""
            {"title":"Refs","person_id":"\(LeadsFixture.person)","organization_id":"\(LeadsFixture.organization)",
             "labels":["\(LeadsFixture.hotLabel)"],"expected_close":"2026-01-01T00:00:00Z"}
            """)["id"] as? String)
        let kept = client.request("PUT", leads + "/" + id, json: #"{"title":"Refs 2"}"#)
        XCTAssertEqual((kept.data["person"] as? [String: String])?["id"], LeadsFixture.person)
        XCTAssertEqual((kept.data["organization"] as? [String: String])?["id"], LeadsFixture.organization)
        XCTAssertEqual((kept.data["labels"] as? [[String: String]])?.count, 1, "labels absent: kept")

        let cleared = client.request("PUT", leads + "/" + id, json: #"{"person_id":null,"organization_id":"","expected_close":null}"#)
        XCTAssertEqual(cleared.status, 200, cleared.text)
        XCTAssertTrue(cleared.data["person"] is NSNull)
        XCTAssertTrue(cleared.data["organization"] is NSNull)
        XCTAssertTrue(cleared.data["expected_close"] is NSNull)

        let relabelled = client.request("PATCH", leads + "/" + id, json: #"{"labels":["\#(LeadsFixture.coldLabel)"]}"#)
        XCTAssertEqual(relabelled.data["labels"] as? [[String: String]], [["id": LeadsFixture.coldLabel, "name": "Cold"]])
        let unlabelled = client.request("PATCH", leads + "/" + id, json: #"{"labels":[]}"#)
        XCTAssertEqual((unlabelled.data["labels"] as? [Any])?.count, 0)

        let badLabel = client.request("PATCH", leads + "/" + id, json: #"{"labels":["\#(LeadsFixture.deletedLabel)"]}"#)
        XCTAssertEqual(badLabel.errors, ["labels.0": ["The selected labels.0 is invalid."]])
    }

    // MARK: Delete

    func testDeleteIsSoftThen404() throws {
        let id = try XCTUnwrap(create(#"{"title":"Doomed"}"#)["id"] as? String)
        let deleted = client.request("DELETE", leads + "/" + id)
        XCTAssertEqual(deleted.status, 204)
        XCTAssertTrue(deleted.body.isEmpty)
        let row = try db().execute("SELECT deleted_at IS NOT NULL, user_deleted_id FROM crm_leads WHERE external_id = $1", [id]).rows.first
        XCTAssertEqual(row?.map(\.string), ["t", "1"], "the row stays, soft-deleted")
        XCTAssertEqual(client.request("GET", leads + "/" + id).status, 404)
        XCTAssertEqual(client.request("DELETE", leads + "/" + id).status, 404)
        XCTAssertEqual(client.request("PUT", leads + "/" + id, json: #"{"title":"x"}"#).status, 404)
        XCTAssertEqual((client.request("GET", leads).object["data"] as? [Any])?.count, 0)
    }

    // MARK: List

    func testListStructureAndPagination() throws {
        for index in 1...5 { create(#"{"title":"Lead \#(index)","amount":\#(index)}"#) }
        let list = client.request("GET", leads + "?per_page=2&sort=amount&page=2")
        XCTAssertEqual(list.status, 200)
        let data = try XCTUnwrap(list.object["data"] as? [[String: Any]])
        XCTAssertEqual(data.map { $0["title"] as? String }, ["Lead 3", "Lead 4"])
        for item in data {
            XCTAssertTrue(UUIDRule.isValid(item["id"] as? String ?? ""))
            XCTAssertNotNil((item["created_at"] as? String)?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$"#, options: .regularExpression))
        }
        let url = "https://leads.test/crm/api/v2/leads?per_page=2&sort=amount&page="
        XCTAssertEqual(list.object["links"] as? [String: String], ["first": url + "1", "last": url + "3", "prev": url + "1", "next": url + "3"])
        let meta = try XCTUnwrap(list.object["meta"] as? [String: Any])
        XCTAssertEqual(meta["current_page"] as? Int, 2)
        XCTAssertEqual(meta["from"] as? Int, 3)
        XCTAssertEqual(meta["to"] as? Int, 4)
        XCTAssertEqual(meta["total"] as? Int, 5)
        XCTAssertEqual(meta["last_page"] as? Int, 3)
        XCTAssertEqual(meta["per_page"] as? Int, 2)
        XCTAssertEqual(meta["path"] as? String, "https://leads.test/crm/api/v2/leads")
        XCTAssertEqual((meta["links"] as? [[String: Any]])?.map { $0["label"] as? String },
                       ["&laquo; Previous", "1", "2", "3", "Next &raquo;"])

        let past = client.request("GET", leads + "?page=9")
        XCTAssertEqual(past.status, 200)
        XCTAssertEqual((past.object["data"] as? [Any])?.count, 0)
        XCTAssertTrue((past.object["meta"] as? [String: Any])?["from"] is NSNull)

        let defaults = client.request("GET", leads + "?per_page=0")
        XCTAssertEqual((defaults.object["meta"] as? [String: Any])?["per_page"] as? Int, 25)
        XCTAssertEqual((defaults.object["data"] as? [[String: Any]])?.first?["title"] as? String, "Lead 5", "default -created_at, id breaks ties")
    }

    func testListOwnerFilterAndLiveRowsOnly() throws {
        create(#"{"title":"Mine","user_owner_id":1}"#)
        create(#"{"title":"Bobs","user_owner_id":"2"}"#)
        let doomed = create(#"{"title":"Gone","user_owner_id":2}"#)
        XCTAssertEqual(client.request("DELETE", leads + "/" + (doomed["id"] as? String ?? "")).status, 204)
        let filtered = client.request("GET", leads + "?user_owner_id=2")
        XCTAssertEqual((filtered.object["data"] as? [[String: Any]])?.map { $0["title"] as? String }, ["Bobs"])
        XCTAssertEqual((filtered.object["meta"] as? [String: Any])?["total"] as? Int, 1)
        let invalid = client.request("GET", leads + "?user_owner_id=abc")
        XCTAssertEqual(invalid.status, 422)
        XCTAssertEqual(invalid.text, #"{"message":"The user owner id field must be an integer.","errors":{"user_owner_id":["The user owner id field must be an integer."]}}"#)
    }

    func testSortNullAmountsLastAndPagesNeverOverlap() throws {
        for (index, amount) in ["5", "null", "1", "5", "null", "3"].enumerated() {
            create(#"{"title":"S\#(index)","amount":\#(amount)}"#)
        }
        func titles(_ query: String) -> [String] {
            (client.request("GET", leads + "?" + query).object["data"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }
        }
        XCTAssertEqual(titles("sort=amount"), ["S2", "S5", "S0", "S3", "S1", "S4"])
        XCTAssertEqual(titles("sort=-amount"), ["S3", "S0", "S5", "S2", "S4", "S1"])
        XCTAssertEqual(titles("sort=title"), ["S0", "S1", "S2", "S3", "S4", "S5"])
        XCTAssertEqual(titles("sort=nonsense"), titles("sort=-created_at"))
        // All created within the same second: one per page still visits each exactly once.
        for sort in ["created_at", "-created_at", "updated_at", "-updated_at", "amount", "-amount"] {
            let paged = (1...6).flatMap { titles("sort=\(sort)&per_page=1&page=\($0)") }
            XCTAssertEqual(Set(paged).count, 6, sort)
            XCTAssertEqual(paged, titles("sort=\(sort)"), sort)
        }
    }

    // MARK: Lead numbers

    func testLeadNumbersHonourPrefixAndRowsLaravelInserted() throws {
        XCTAssertEqual(create(#"{"title":"a"}"#)["lead_id"] as? String, "L1001")
        try db().execute("""
            INSERT INTO crm_leads (external_id, title, number, lead_id, deleted_at) VALUES ('laravel-made', 'old', 4000, 'L4000', now());
            INSERT INTO crm_settings (name, value) VALUES ('lead_prefix', 'CRM-');
            """)
        let next = create(#"{"title":"b"}"#)
        XCTAssertEqual(next["lead_id"] as? String, "CRM-4001", "1 + max(number), soft-deleted rows included")
        try db().execute("DELETE FROM crm_settings")
        XCTAssertEqual(create(#"{"title":"c"}"#)["lead_id"] as? String, "L4002")
    }
}
