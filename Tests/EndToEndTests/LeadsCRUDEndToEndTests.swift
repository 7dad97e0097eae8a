import Foundation
import Postgres
import TestSupport
import XCTest

/// Contract §1, §5, §6 through HTTPS: the behaviours of Laravel CRM's own lead API tests
/// (create, show, update, delete, abilities), checked on the wire and in the rows.
final class LeadsCRUDEndToEndTests: XCTestCase {
    private static let slot = EndToEndSlot()
    private var environment: EndToEndEnvironment!
    private var fixture: EndToEndFixture { environment.fixture }
    private var client: HTTPSClient!
    private let leads = EndToEndEnvironment.leads

    override class func setUp() { slot.make { try EndToEndEnvironment(prefix: "crud") } }
    override class func tearDown() { slot.tearDown() }

    override func setUpWithError() throws {
        environment = try Self.slot.get()
        try environment.resetLeads()
        client = try environment.client()
    }

    @discardableResult
    private func create(_ body: String, token: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let response = try client.json("POST", leads, token: token ?? fixture.full, body: body)
        XCTAssertEqual(response.status, 201, response.text, file: file, line: line)
        return response.data
    }

    private func leadCount(live: Bool = false) throws -> Int {
        Int(try environment.scalar("SELECT count(*) FROM crm_leads" + (live ? " WHERE deleted_at IS NULL" : "")) ?? "") ?? -1
    }

    // MARK: Authentication

    func testUnauthenticatedGetAndPostAre401AndWriteNothing() throws {
        for (method, body) in [("GET", nil), ("POST", #"{"title":"x"}"#)] as [(String, String?)] {
            let response = try client.json(method, leads, token: nil, body: body)
            XCTAssertEqual(response.status, 401, method)
            XCTAssertEqual(response.text, #"{"message":"Unauthenticated."}"#)
            XCTAssertEqual(response.header("Content-Type"), "application/json")
        }
        XCTAssertEqual(try leadCount(), 0)
    }

    func testUserWithoutCRMAccessIs403() throws {
        for (method, path) in [("GET", leads), ("POST", leads), ("GET", leads + "/" + EndToEndFixture.missing)] {
            let response = try client.json(method, path, token: fixture.noAccessToken, body: method == "POST" ? "{}" : nil)
            XCTAssertEqual(response.status, 403, "\(method) \(path)")
            XCTAssertEqual(response.text, #"{"message":"This action is unauthorized."}"#)
        }
    }

    func testEveryCountedResponseCarriesTheRateLimitHeaders() throws {
        let id = try XCTUnwrap(try create(#"{"title":"Counted"}"#)["id"] as? String)
        let responses = [
            try client.json("GET", leads, token: fixture.full),
            try client.json("GET", leads + "/" + id, token: fixture.full),
            try client.json("GET", leads + "/" + EndToEndFixture.missing, token: fixture.full),
            try client.json("POST", leads, token: fixture.full, body: "{}"),
            try client.json("POST", leads, token: fixture.viewer, body: #"{"title":"x"}"#),
            try client.json("DELETE", leads + "/" + id, token: fixture.full),
            try client.json("GET", leads, token: nil),
        ]
        XCTAssertEqual(responses.map(\.status), [200, 200, 404, 422, 403, 204, 401])
        for response in responses {
            XCTAssertEqual(response.header("X-RateLimit-Limit"), "1000000", "\(response.status)")
            XCTAssertNotNil(Int(response.header("X-RateLimit-Remaining") ?? ""), "\(response.status)")
            XCTAssertNil(response.header("Retry-After"))
        }
    }

    // MARK: Create

    func testCreateIs201WithTheAmountStoredInCents() throws {
        let response = try client.json("POST", leads, token: fixture.full,
                                       body: #"{"title":"  Acme renewal ","amount":12500.5,"currency":"EUR","expected_close":"2026-09-30T00:00:00Z"}"#)
        XCTAssertEqual(response.status, 201, response.text)
        XCTAssertTrue(response.text.contains(#""amount":12500.50,"#), response.text)
        let data = response.data
        XCTAssertEqual(data["title"] as? String, "Acme renewal")
        XCTAssertEqual(data["lead_id"] as? String, "L1001")
        XCTAssertEqual(data["currency"] as? String, "EUR")
        XCTAssertEqual(data["expected_close"] as? String, "2026-09-30T00:00:00+00:00")
        let id = try XCTUnwrap(data["id"] as? String)
        XCTAssertNotNil(id.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", options: .regularExpression), id)

        let row = try environment.sql("""
            SELECT amount, currency, lead_status_id, qualified, user_created_id, number, prefix, lead_id, deleted_at
            FROM crm_leads WHERE external_id = $1
            """, [id]).rows.first
        XCTAssertEqual(row?.map(\.string), ["1250050", "EUR", "1", "f", String(fixture.jane), "1001", "L", "L1001", nil])

        let second = try create(#"{"title":"Second","amount":"1500"}"#)
        XCTAssertEqual(second["lead_id"] as? String, "L1002")
        XCTAssertEqual(second["currency"] as? String, "USD")
        XCTAssertEqual(try environment.scalar("SELECT amount FROM crm_leads WHERE external_id = $1", [second["id"] as? String]), "150000")
    }

    func testLeadResourceHasEveryKeyInOrder() throws {
        let response = try client.json("POST", leads, token: fixture.full, body: #"{"title":"Keys"}"#)
        let keys = ["id", "lead_id", "title", "description", "amount", "currency", "expected_close", "converted_at",
                    "created_at", "updated_at", "deleted_at", "owner", "person", "organization", "labels"]
        var position = response.text.startIndex
        for key in keys {
            let range = try XCTUnwrap(response.text.range(of: "\"\(key)\":", range: position..<response.text.endIndex), "\(key) in order: \(response.text)")
            position = range.upperBound
        }
        XCTAssertTrue(response.text.contains(#""description":null,"amount":null,"#), response.text)
        XCTAssertTrue(response.text.hasSuffix(#""owner":null,"person":null,"organization":null,"labels":[]}}"#), response.text)
    }

    func testCreateResolvesPersonOrganizationOwnerAndLabelsFromUUIDs() throws {
        let data = try create("""
            {"title":"Linked","person_id":"\(fixture.person)","organization_id":"\(fixture.organization)","user_owner_id":\(fixture.bob),
             "labels":["\(fixture.coldLabel)","\(fixture.hotLabel)","\(fixture.coldLabel)"]}
            """)
        XCTAssertEqual(data["owner"] as? NSDictionary, ["id": fixture.bob, "name": "Bob Roe"] as NSDictionary)
        XCTAssertEqual(data["person"] as? [String: String], ["id": fixture.person, "name": "John Smith"])
        XCTAssertEqual(data["organization"] as? [String: String], ["id": fixture.organization, "name": "Acme Co"])
        XCTAssertEqual(data["labels"] as? [[String: String]],
                       [["id": fixture.hotLabel, "name": "Hot"], ["id": fixture.coldLabel, "name": "Cold"]])
        let row = try environment.sql("""
            SELECT p.external_id, o.external_id, l.user_owner_id,
                   (SELECT count(*) FROM crm_labelables WHERE crm_labelable_id = l.id AND crm_labelable_type = $2)
            FROM crm_leads l LEFT JOIN crm_people p ON p.id = l.person_id LEFT JOIN crm_organizations o ON o.id = l.organization_id
            WHERE l.external_id = $1
            """, [data["id"] as? String, CRMSeed.leadType]).rows.first
        XCTAssertEqual(row?.map(\.string), [fixture.person, fixture.organization, String(fixture.bob), "2"])
    }

    func testStringsAreTrimmedAndEmptyMeansNull() throws {
        let data = try create(#"{"title":" Spaced \n","description":"   ","currency":"","amount":"","person_id":""}"#)
        XCTAssertEqual(data["title"] as? String, "Spaced")
        XCTAssertTrue(data["description"] is NSNull)
        XCTAssertEqual(data["currency"] as? String, "USD")
        XCTAssertTrue(data["amount"] is NSNull)
        XCTAssertTrue(data["person"] is NSNull)
        // An empty body counts as {}.
        let empty = try client.request("POST", leads, headers: [("Authorization", "Bearer \(fixture.full)")], body: [])
        XCTAssertEqual(empty.status, 422, empty.text)
        XCTAssertEqual(empty.errors, ["title": ["The title field is required."]])
    }

    func testPersonNameIsFirstAndLastNameTrimmed() throws {
        let single = try CRMSeed(try environment.connect()).person(first: "Cher", last: nil)
        let data = try create(#"{"title":"Mononym","person_id":"\#(single)"}"#)
        XCTAssertEqual(data["person"] as? [String: String], ["id": single, "name": "Cher"])
    }

    func testLeadSourceAndPipelineStageAreResolvedAndSetThePipeline() throws {
        let source = UUID().uuidString.lowercased(), stage = UUID().uuidString.lowercased()
        try environment.sql("INSERT INTO crm_pipelines (id, external_id, name) VALUES (77, $1, 'Sales') ON CONFLICT DO NOTHING", [UUID().uuidString])
        try environment.sql("INSERT INTO crm_lead_sources (external_id, name) VALUES ($1, 'Web')", [source])
        try environment.sql("INSERT INTO crm_pipeline_stages (external_id, name, pipeline_id) VALUES ($1, 'New', 77)", [stage])
        let id = try XCTUnwrap(try create(#"{"title":"Sourced","lead_source_id":"\#(source)","pipeline_stage_id":"\#(stage)"}"#)["id"] as? String)
        let row = try environment.sql("""
            SELECT s.external_id, st.external_id, l.pipeline_id FROM crm_leads l
            JOIN crm_lead_sources s ON s.id = l.lead_source_id JOIN crm_pipeline_stages st ON st.id = l.pipeline_stage_id
            WHERE l.external_id = $1
            """, [id]).rows.first
        XCTAssertEqual(row?.map(\.string), [source, stage, "77"])
        let unknown = try client.json("POST", leads, token: fixture.full,
                                      body: #"{"title":"x","lead_source_id":"\#(EndToEndFixture.missing)","pipeline_stage_id":"nope"}"#)
        XCTAssertEqual(unknown.status, 422)
        XCTAssertEqual(unknown.errors, ["lead_source_id": ["The selected lead source id is invalid."],
                                        "pipeline_stage_id": ["The pipeline stage id field must be a valid UUID."]])
    }

    func testCreateWithoutTheAbilityIs403AndWritesNothing() throws {
        let response = try client.json("POST", leads, token: fixture.viewer, body: #"{"title":"Nope"}"#)
        XCTAssertEqual(response.status, 403)
        XCTAssertEqual(response.text, #"{"message":"This action is unauthorized."}"#)
        XCTAssertEqual(try leadCount(), 0)
    }

    // MARK: Show

    func testShowByUUIDAnd404ForAnUnknownOne() throws {
        let created = try create(#"{"title":"Shown","amount":99.99,"person_id":"\#(fixture.person)"}"#)
        let id = try XCTUnwrap(created["id"] as? String)
        let shown = try client.json("GET", leads + "/" + id, token: fixture.viewer)
        XCTAssertEqual(shown.status, 200)
        XCTAssertEqual(shown.data as NSDictionary, created as NSDictionary)
        XCTAssertTrue(shown.text.contains(#""amount":99.99,"#))

        for unknown in [EndToEndFixture.missing, "not-a-uuid", id.uppercased() + "0"] {
            let response = try client.json("GET", leads + "/" + unknown, token: fixture.full)
            XCTAssertEqual(response.status, 404, unknown)
            XCTAssertEqual(response.text, #"{"message":"Lead not found."}"#)
        }
    }

    func testShowWithoutTheAbilityIs403() throws {
        let id = try XCTUnwrap(try create(#"{"title":"Secret"}"#)["id"] as? String)
        let response = try client.json("GET", leads + "/" + id, token: fixture.creator)
        XCTAssertEqual(response.status, 403)
        XCTAssertEqual(response.message, "This action is unauthorized.")
        XCTAssertEqual(try client.json("GET", leads, token: fixture.creator).status, 403, "listing needs the view ability too")
    }

    // MARK: Update

    func testUpdateTitleAndAmountWithPutAndPatch() throws {
        let id = try XCTUnwrap(try create(#"{"title":"Before","amount":10,"description":"kept"}"#)["id"] as? String)
        let put = try client.json("PUT", leads + "/" + id, token: fixture.editor, body: #"{"title":"After","amount":"2500.75"}"#)
        XCTAssertEqual(put.status, 200, put.text)
        XCTAssertEqual(put.data["title"] as? String, "After")
        XCTAssertTrue(put.text.contains(#""amount":2500.75,"#), put.text)
        XCTAssertEqual(put.data["description"] as? String, "kept")
        let patch = try client.json("PATCH", leads + "/" + id, token: fixture.editor, body: #"{"amount":null}"#)
        XCTAssertEqual(patch.status, 200)
        XCTAssertTrue(patch.data["amount"] is NSNull)
        XCTAssertEqual(patch.data["title"] as? String, "After")
        let row = try environment.sql("SELECT title, amount, user_updated_id FROM crm_leads WHERE external_id = $1", [id]).rows.first
        XCTAssertEqual(row?.map(\.string), ["After", nil, String(fixture.jane)])
        XCTAssertEqual(try client.json("PUT", leads + "/" + id, token: fixture.viewer, body: #"{"title":"x"}"#).status, 403)
        XCTAssertEqual(try client.json("PUT", leads + "/" + EndToEndFixture.missing, token: fixture.full, body: #"{"title":"x"}"#).status, 404)
    }

    func testPersonAndOrganizationAreKeptWhenOmittedAndClearedByNull() throws {
        let id = try XCTUnwrap(try create("""
            {"title":"Linked","person_id":"\(fixture.person)","organization_id":"\(fixture.organization)","labels":["\(fixture.hotLabel)"],
             "expected_close":"2026-07-15T10:00:00Z"}
            """)["id"] as? String)
        let kept = try client.json("PUT", leads + "/" + id, token: fixture.full, body: #"{"title":"Renamed"}"#)
        XCTAssertEqual(kept.status, 200)
        XCTAssertEqual((kept.data["person"] as? [String: Any])?["id"] as? String, fixture.person)
        XCTAssertEqual((kept.data["organization"] as? [String: Any])?["id"] as? String, fixture.organization)
        XCTAssertEqual((kept.data["labels"] as? [Any])?.count, 1, "labels absent: kept")

        let cleared = try client.json("PATCH", leads + "/" + id, token: fixture.full,
                                      body: #"{"person_id":null,"organization_id":null,"expected_close":null,"labels":[]}"#)
        XCTAssertEqual(cleared.status, 200)
        XCTAssertTrue(cleared.data["person"] is NSNull)
        XCTAssertTrue(cleared.data["organization"] is NSNull)
        XCTAssertTrue(cleared.data["expected_close"] is NSNull)
        XCTAssertEqual((cleared.data["labels"] as? [Any])?.count, 0)
        let row = try environment.sql("""
            SELECT person_id, organization_id, expected_close,
                   (SELECT count(*) FROM crm_labelables b WHERE b.crm_labelable_id = l.id) FROM crm_leads l WHERE external_id = $1
            """, [id]).rows.first
        XCTAssertEqual(row?.map(\.string), [nil, nil, nil, "0"])
    }

    func testLabelsAreReplacedWhenSent() throws {
        let id = try XCTUnwrap(try create(#"{"title":"Labels","labels":["\#(fixture.hotLabel)"]}"#)["id"] as? String)
        let replaced = try client.json("PUT", leads + "/" + id, token: fixture.full, body: #"{"labels":["\#(fixture.coldLabel)"]}"#)
        XCTAssertEqual(replaced.data["labels"] as? [[String: String]], [["id": fixture.coldLabel, "name": "Cold"]])
        let dead = try client.json("PUT", leads + "/" + id, token: fixture.full, body: #"{"labels":["\#(fixture.deletedLabel)"]}"#)
        XCTAssertEqual(dead.status, 422)
        XCTAssertEqual(dead.errors, ["labels.0": ["The selected labels.0 is invalid."]])
        let shown = try client.json("GET", leads + "/" + id, token: fixture.full)
        XCTAssertEqual(shown.data["labels"] as? [[String: String]], [["id": fixture.coldLabel, "name": "Cold"]], "a refused update changes nothing")
    }

    // MARK: Delete

    func testDeleteIs204SoftDeletesTheRowThen404() throws {
        let id = try XCTUnwrap(try create(#"{"title":"Doomed"}"#)["id"] as? String)
        let deleted = try client.json("DELETE", leads + "/" + id, token: fixture.deleter)
        XCTAssertEqual(deleted.status, 204)
        XCTAssertTrue(deleted.body.isEmpty)
        XCTAssertNil(deleted.header("Content-Type"), "204 has no body")
        let row = try environment.sql("SELECT deleted_at IS NOT NULL, user_deleted_id FROM crm_leads WHERE external_id = $1", [id]).rows.first
        XCTAssertEqual(row?.map(\.string), ["t", String(fixture.jane)], "soft deleted: the row stays")
        XCTAssertEqual(try client.json("GET", leads + "/" + id, token: fixture.full).status, 404)
        XCTAssertEqual(try client.json("DELETE", leads + "/" + id, token: fixture.full).status, 404)
        XCTAssertEqual(try client.json("PUT", leads + "/" + id, token: fixture.full, body: #"{"title":"x"}"#).status, 404)
        let list = try client.json("GET", leads, token: fixture.full)
        XCTAssertEqual((list.object["meta"] as? [String: Any])?["total"] as? Int, 0)
    }

    func testDeleteWithoutTheAbilityIs403AndTheLeadSurvives() throws {
        let id = try XCTUnwrap(try create(#"{"title":"Survivor"}"#)["id"] as? String)
        let refused = try client.json("DELETE", leads + "/" + id, token: fixture.viewer)
        XCTAssertEqual(refused.status, 403)
        XCTAssertEqual(refused.text, #"{"message":"This action is unauthorized."}"#)
        XCTAssertEqual(try environment.scalar("SELECT deleted_at IS NULL FROM crm_leads WHERE external_id = $1", [id]), "t")
        XCTAssertEqual(try client.json("GET", leads + "/" + id, token: fixture.viewer).status, 200)
        XCTAssertEqual(try client.json("DELETE", leads + "/" + EndToEndFixture.missing, token: fixture.viewer).status, 404,
                       "an unknown lead is 404 before the ability check")
    }

    /// lead numbers follow the highest number of any lead, soft-deleted ones and ones written
    /// by Laravel CRM itself (sharing the database) included.
    func testLeadNumbersFollowTheHighestNumberInTheTable() throws {
        let seed = CRMSeed(try environment.connect())
        try seed.lead(title: "Old", number: 5000, deleted: true)
        XCTAssertEqual(try create(#"{"title":"After old"}"#)["lead_id"] as? String, "L5001")
        let byLaravel = try seed.lead(title: "By Laravel", number: 6000, ownerID: fixture.bob, amountCents: 150)
        let shown = try client.json("GET", leads + "/" + byLaravel, token: fixture.full)
        XCTAssertEqual(shown.data["lead_id"] as? String, "L6000")
        XCTAssertTrue(shown.text.contains(#""amount":1.50,"#), shown.text)
        XCTAssertEqual(try create(#"{"title":"After Laravel"}"#)["lead_id"] as? String, "L6001")
        XCTAssertEqual(try create(#"{"title":"Next"}"#)["lead_id"] as? String, "L6002")
    }

    func testLeadPrefixComesFromSettings() throws {
        try environment.sql("INSERT INTO crm_settings (name, value) VALUES ('lead_prefix', 'CRM-')")
        defer { _ = try? environment.sql("DELETE FROM crm_settings WHERE name = 'lead_prefix'") }
        XCTAssertEqual(try create(#"{"title":"Prefixed"}"#)["lead_id"] as? String, "CRM-1001")
    }
}
