import Foundation
import Postgres
import TestSupport
import XCTest

/// Contract §5's JSON through HTTPS, on a SQL_ASCII database (as old installs have), where
/// text may hold bytes that are not UTF-8: whatever is stored, every answer is valid JSON.
final class JSONEndToEndTests: XCTestCase {
    private static let slot = EndToEndSlot()
    private var environment: EndToEndEnvironment!
    private var fixture: EndToEndFixture { environment.fixture }
    private var client: HTTPSClient!
    private let leads = EndToEndEnvironment.leads

    override class func setUp() { slot.make { try EndToEndEnvironment(prefix: "json", encoding: "SQL_ASCII") } }
    override class func tearDown() { slot.tearDown() }

    override func setUpWithError() throws {
        environment = try Self.slot.get()
        try environment.resetLeads()
        client = try environment.client()
    }

    /// Strict: valid UTF-8, and JSON by Foundation's parser.
    private func assertValidJSON(_ response: HTTPSResponse, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotNil(String(validating: response.body, as: UTF8.self), "valid UTF-8", file: file, line: line)
        XCTAssertNotNil(response.json, "valid JSON: \(response.text)", file: file, line: line)
    }

    func testTextThatIsNotUTF8InTheDatabaseNeverBreaksTheJSON() throws {
        let id = try XCTUnwrap(try client.json("POST", leads, token: fixture.full, body: #"{"title":"plain"}"#).data["id"] as? String)
        // Bytes a SQL_ASCII database accepts as they come: a lone continuation byte, an
        // overlong NUL, a cut-off emoji, latin-1, DEL and C0 controls.
        try environment.sql(#"""
            UPDATE crm_leads SET title = E'bad \x80 \xc0\x80 \xf0\x9f\x98 caf\xe9 \x7f \x01\x1f end',
                                 description = E'tab\tnewline\nquote" backslash\\ \xff'
            WHERE external_id = $1
            """#, [id])
        try environment.sql(#"UPDATE crm_people SET first_name = E'J\xfcrgen' WHERE external_id = $1"#, [fixture.person])
        defer { _ = try? environment.sql("UPDATE crm_people SET first_name = 'John' WHERE external_id = $1", [fixture.person]) }
        XCTAssertEqual(try client.json("PUT", leads + "/" + id, token: fixture.full, body: #"{"person_id":"\#(fixture.person)"}"#).status, 200)

        let shown = try client.json("GET", leads + "/" + id, token: fixture.full)
        XCTAssertEqual(shown.status, 200)
        assertValidJSON(shown)
        let title = try XCTUnwrap(shown.data["title"] as? String)
        XCTAssertTrue(title.hasPrefix("bad ") && title.hasSuffix(" end"), title)
        XCTAssertTrue(title.contains("\u{01}\u{1F}"), "control characters survive, escaped")
        XCTAssertEqual(shown.data["description"] as? String, "tab\tnewline\nquote\" backslash\\ \u{FFFD}")
        XCTAssertTrue(((shown.data["person"] as? [String: Any])?["name"] as? String ?? "").hasSuffix("rgen Smith"))

        let list = try client.json("GET", leads, token: fixture.full)
        XCTAssertEqual(list.status, 200)
        assertValidJSON(list)
    }

    func testQuotesBackslashesControlsAndEmojiRoundTrip() throws {
        let title = "q\"b\\s/ \u{01}\u{08}\u{0C}\u{1F}\u{7F} \u{2028}\u{2029} é 😀 👩‍👩‍👧"
        let escaped = title.unicodeScalars.map { scalar -> String in
            switch scalar {
            case "\"": return "\\\""
            case "\\": return "\\\\"
            default: return scalar.value < 0x20 ? String(format: "\\u%04x", scalar.value) : String(scalar)
            }
        }.joined()
        let created = try client.json("POST", leads, token: fixture.full, body: #"{"title":"\#(escaped)","description":"\ud83d\ude00"}"#)
        XCTAssertEqual(created.status, 201, created.text)
        assertValidJSON(created)
        XCTAssertEqual(created.data["title"] as? String, title)
        XCTAssertEqual(created.data["description"] as? String, "😀", "a surrogate pair decodes to one scalar")
        let id = try XCTUnwrap(created.data["id"] as? String)
        XCTAssertEqual(try environment.scalar("SELECT description FROM crm_leads WHERE external_id = $1", [id]), "😀")
        let shown = try client.json("GET", leads + "/" + id, token: fixture.full)
        XCTAssertEqual(shown.data["title"] as? String, title)
        XCTAssertFalse(shown.text.contains("\u{01}"), "control characters are escaped on the wire")

        let lone = try client.json("POST", leads, token: fixture.full, body: #"{"title":"\ud800"}"#)
        XCTAssertTrue([400, 422].contains(lone.status) || lone.status == 201, lone.text)
        assertValidJSON(lone)
    }
}
