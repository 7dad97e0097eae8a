import Foundation
import HTTP
@testable import LeadsAPI
import Postgres
import TestSupport
import XCTest

/// What the API does with hostile data and a missing database.
final class LeadsRobustnessTests: XCTestCase {
    /// Text in the database that is not valid UTF-8 (possible in a SQL_ASCII database) still
    /// gives valid JSON, with U+FFFD in place of the bad bytes.
    func testInvalidUTF8InTheDatabaseGivesValidJSON() throws {
        let database = try TestDatabase(prefix: "leads_sqlascii", encoding: "SQL_ASCII")
        defer { database.drop() }
        let db = try database.connect()
        try db.execute(LeadsFixture.seed)
        let id = SecureRandom.uuidV4()
        try db.execute("""
            INSERT INTO crm_leads (external_id, title, description, number, lead_id, created_at, updated_at)
            VALUES ('\(id)', E'Bad \\xff\\xfe title', E'ctl \\x01 quote " backslash \\\\ \\xc3\\x28 tab \\t', 1001, 'L1001',
                    now(), now());
            INSERT INTO crm_labels (external_id, name, hex) VALUES ('5e9f6a44-7d1c-4c1e-9a57-5b1f0a2d4c01', E'La\\xe9bel "x"', 'f00');
            INSERT INTO crm_labelables (label_id, crm_labelable_id, crm_labelable_type) SELECT max(lb.id), l.id, 'VentureDrake\\LaravelCrm\\Models\\Lead'
                FROM crm_leads l, crm_labels lb WHERE lb.external_id = '5e9f6a44-7d1c-4c1e-9a57-5b1f0a2d4c01' GROUP BY l.id;
            """)
        let client = LeadsInProcessClient(databaseURL: database.url, gate: LeadsFixture.gate())
        defer { client.shutdown() }
        XCTAssertTrue(client.waitUntilReady())
        for response in [client.request("GET", client.basePath + "/leads/" + id), client.request("GET", client.basePath + "/leads")] {
            XCTAssertEqual(response.status, 200, response.text)
            XCTAssertNotNil(String(validating: response.body, as: UTF8.self), "valid UTF-8")
            XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(response.body)), "valid JSON: \(response.text)")
        }
        let shown = client.request("GET", client.basePath + "/leads/" + id).data
        XCTAssertEqual(shown["title"] as? String, "Bad \u{FFFD}\u{FFFD} title")
        XCTAssertEqual(shown["description"] as? String, "ctl \u{1} quote \" backslash \\ \u{FFFD}( tab \t")
        XCTAssertEqual((shown["labels"] as? [[String: String]])?.first?["name"], "La\u{FFFD}bel \"x\"")
    }

    /// Text with quotes, control characters and emoji goes in and comes back out unchanged.
    func testAwkwardTextRoundTrips() throws {
        let database = try TestDatabase(prefix: "leads_text")
        defer { database.drop() }
        try database.connect().execute(LeadsFixture.seed)
        let client = LeadsInProcessClient(databaseURL: database.url, gate: LeadsFixture.gate())
        defer { client.shutdown() }
        XCTAssertTrue(client.waitUntilReady())
        let title = "Q\"uote \\ back / slash \u{1} \u{1f} 😀 Zoë \u{2028}"
        var body = JSONWriter()
        body.beginObject(); body.key("title"); body.string(title); body.key("description"); body.string("a\nb"); body.endObject()
        let created = client.request("POST", client.basePath + "/leads", json: String(decoding: body.bytes, as: UTF8.self))
        XCTAssertEqual(created.status, 201, created.text)
        XCTAssertEqual(created.data["title"] as? String, title)
        XCTAssertEqual(created.data["description"] as? String, "a\nb")
        let nul = client.request("POST", client.basePath + "/leads", json: #"{"title":"a\u0000b"}"#)
        XCTAssertEqual(nul.status, 422, "PostgreSQL text cannot hold NUL: refused, not a 500")
    }

    func testBodyOverTheLimitIs413() throws {
        let database = try TestDatabase(prefix: "leads_limit")
        defer { database.drop() }
        try database.connect().execute(LeadsFixture.seed)
        let client = LeadsInProcessClient(databaseURL: database.url, gate: LeadsFixture.gate(),
                                          configuration: APIConfiguration(maxBodyBytes: 64))
        defer { client.shutdown() }
        XCTAssertTrue(client.waitUntilReady())
        let big = client.request("POST", client.basePath + "/leads", json: #"{"title":"\#(String(repeating: "x", count: 100))"}"#)
        XCTAssertEqual(big.status, 413)
        XCTAssertEqual(big.text, #"{"message":"Payload Too Large."}"#)
        XCTAssertEqual(try database.connect().scalar("SELECT count(*) FROM crm_leads"), "0")
    }

    /// No database: 503 with Retry-After, never a hang or a 500.
    func testUnreachableDatabaseIs503() throws {
        let client = LeadsInProcessClient(databaseURL: "postgresql://postgres@127.0.0.1:1/none?connect_timeout=1", gate: LeadsFixture.gate())
        defer { client.shutdown() }
        for (method, path, json) in [("GET", "/leads", nil), ("POST", "/leads", #"{"title":"x"}"#),
                                     ("GET", "/leads/" + LeadsFixture.missing, nil)] as [(String, String, String?)] {
            let response = client.request(method, client.basePath + path, json: json)
            XCTAssertEqual(response.status, 503, "\(method) \(path): \(response.text)")
            XCTAssertEqual(response.text, #"{"message":"Service Unavailable."}"#)
            XCTAssertNotNil(response.headers["Retry-After"])
        }
    }

    func testDatabaseErrorsMapToStatuses() {
        XCTAssertEqual(APIResponses.databaseFailure(PostgresError(kind: .timeout, message: "x")).status, 503)
        XCTAssertEqual(APIResponses.databaseFailure(PostgresError(kind: .connectionLost, message: "x")).status, 503)
        XCTAssertEqual(APIResponses.databaseFailure(PostgresError(kind: .server, sqlState: "40001", message: "x")).status, 503)
        let bug = APIResponses.databaseFailure(PostgresError(kind: .server, sqlState: "42P01", message: "relation crm_leads does not exist"))
        XCTAssertEqual(bug.status, 500)
        XCTAssertEqual(String(decoding: bug.body, as: UTF8.self), #"{"message":"Server Error."}"#, "no internals")
    }
}
