import Foundation
import Postgres
import TestSupport
import XCTest

/// Contract §7 through HTTPS: the paginator envelope, per_page, sort, the owner filter, absolute
/// URLs (from Host, or from a trusted proxy's X-Forwarded-*), query parameters kept in order,
/// and meta.links windowing. 30 live leads and a soft-deleted one, seeded in SQL once.
final class ListingEndToEndTests: XCTestCase {
    private static let slot = EndToEndSlot()
    private var environment: EndToEndEnvironment!
    private var fixture: EndToEndFixture { environment.fixture }
    private var client: HTTPSClient!
    private let leads = EndToEndEnvironment.leads
    private static let proxy = "127.0.0.2"
    private static let liveLeads = 30

    override class func setUp() {
        slot.make {
            let environment = try EndToEndEnvironment(prefix: "listing", arguments: ["--trusted-proxies", "\(proxy)/32"])
            // Owners alternate Jane (odd) and Bob (even); every fifth amount is null; created an
            // hour apart; lead 31 is soft-deleted.
            try environment.sql("""
                INSERT INTO crm_leads (external_id, title, amount, currency, user_owner_id, number, prefix, lead_id,
                                       created_at, updated_at, deleted_at)
                SELECT gen_random_uuid()::text, 'Lead ' || lpad(g::text, 2, '0'),
                       CASE WHEN g % 5 = 0 THEN NULL ELSE (g % 7) * 1000 END, 'USD',
                       CASE WHEN g % 2 = 1 THEN $1::bigint ELSE $2::bigint END, 1000 + g, 'L', 'L' || (1000 + g),
                       timestamp '2026-01-01 00:00:00' + g * interval '1 hour', timestamp '2026-01-01 00:00:00' + g * interval '1 hour',
                       CASE WHEN g = 31 THEN timestamp '2026-02-01 00:00:00' END
                FROM generate_series(1, 31) AS g
                """, [String(environment.fixture.jane), String(environment.fixture.bob)])
            return environment
        }
    }

    override class func tearDown() { slot.tearDown() }

    override func setUpWithError() throws {
        environment = try Self.slot.get()
        client = try environment.client()
    }

    private func list(_ query: String, headers: [(String, String)] = [], client: HTTPSClient? = nil,
                      file: StaticString = #filePath, line: UInt = #line) throws -> HTTPSResponse {
        let response = try (client ?? self.client).json("GET", leads + query, token: fixture.full, headers: headers)
        XCTAssertEqual(response.status, 200, response.text, file: file, line: line)
        return response
    }

    private func items(_ response: HTTPSResponse) -> [[String: Any]] { response.object["data"] as? [[String: Any]] ?? [] }
    private func meta(_ response: HTTPSResponse) -> [String: Any] { response.object["meta"] as? [String: Any] ?? [:] }
    private func links(_ response: HTTPSResponse) -> [String: Any] { response.object["links"] as? [String: Any] ?? [:] }

    // MARK: Structure

    func testListHasLaravelsStructureWithUUIDsAndISOTimestamps() throws {
        let response = try list("")
        XCTAssertTrue(response.text.hasPrefix(#"{"data":[{"id":""#), response.text)
        let keys = ["\"data\":", "\"links\":{\"first\":", "\"last\":", "\"prev\":", "\"next\":", "\"meta\":{\"current_page\":", "\"from\":",
                    "\"last_page\":", "\"links\":[", "\"path\":", "\"per_page\":", "\"to\":", "\"total\":"]
        var position = response.text.startIndex
        for key in keys {
            let range = try XCTUnwrap(response.text.range(of: key, range: position..<response.text.endIndex), "\(key) in order")
            position = range.upperBound
        }
        let data = items(response)
        XCTAssertEqual(data.count, 25, "default per_page")
        let iso = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\+00:00$"
        for lead in data {
            let id = lead["id"] as? String ?? ""
            XCTAssertNotNil(id.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", options: .regularExpression), id)
            for key in ["created_at", "updated_at"] {
                XCTAssertNotNil((lead[key] as? String)?.range(of: iso, options: .regularExpression), "\(key): \(lead[key] ?? "nil")")
            }
            XCTAssertTrue(lead["deleted_at"] is NSNull)
        }
        XCTAssertEqual(data.first?["title"] as? String, "Lead 30", "newest first by default")
        XCTAssertEqual(data.first?["created_at"] as? String, "2026-01-02T06:00:00+00:00")
        let meta = self.meta(response)
        XCTAssertEqual(meta["total"] as? Int, Self.liveLeads, "the soft-deleted lead is not listed")
        XCTAssertEqual(meta["current_page"] as? Int, 1)
        XCTAssertEqual(meta["from"] as? Int, 1)
        XCTAssertEqual(meta["to"] as? Int, 25)
        XCTAssertEqual(meta["last_page"] as? Int, 2)
        XCTAssertEqual(meta["per_page"] as? Int, 25)
    }

    func testPerPage() throws {
        let five = try list("?per_page=5")
        XCTAssertEqual(items(five).count, 5)
        XCTAssertEqual(meta(five)["per_page"] as? Int, 5)
        XCTAssertEqual(meta(five)["last_page"] as? Int, 6)
        for (value, expected) in [("0", 25), ("-3", 25), ("abc", 25), ("2.5", 25), ("500", 100), ("100", 100)] {
            XCTAssertEqual(meta(try list("?per_page=\(value)"))["per_page"] as? Int, expected, value)
        }
        let past = try list("?per_page=5&page=99")
        XCTAssertEqual(items(past).count, 0)
        XCTAssertTrue(meta(past)["from"] is NSNull)
        XCTAssertTrue(meta(past)["to"] is NSNull)
        XCTAssertEqual(meta(try list("?page=abc"))["current_page"] as? Int, 1)
    }

    func testQueryValuesAreDecodedAndOddValuesAreSafe() throws {
        XCTAssertEqual(meta(try list("?per_page=%31%30"))["per_page"] as? Int, 10, "percent-decoded")
        XCTAssertEqual(items(try list("?sort=%2Dtitle&per_page=1")).first?["title"] as? String, "Lead 30")
        XCTAssertEqual(meta(try list("?per_page=3&per_page=7"))["per_page"] as? Int, 3, "the first value counts")
        XCTAssertEqual(meta(try list("?user_owner_id="))["total"] as? Int, Self.liveLeads, "empty means no filter")
        let far = try list("?page=9223372036854775807")
        XCTAssertEqual(items(far).count, 0)
        XCTAssertTrue(links(far)["next"] is NSNull)
        XCTAssertEqual(meta(try list("?page=99999999999999999999"))["current_page"] as? Int, 1)
    }

    func testOwnerFilter() throws {
        let bob = try list("?user_owner_id=\(fixture.bob)&per_page=100")
        XCTAssertEqual(meta(bob)["total"] as? Int, 15)
        XCTAssertTrue(items(bob).allSatisfy { ($0["owner"] as? [String: Any])?["id"] as? Int == Int(fixture.bob) })
        XCTAssertEqual((items(bob).first?["owner"] as? [String: Any])?["name"] as? String, "Bob Roe")
        let nobody = try list("?user_owner_id=\(fixture.noAccess)")
        XCTAssertEqual(meta(nobody)["total"] as? Int, 0)
        XCTAssertEqual(meta(nobody)["last_page"] as? Int, 1)
        XCTAssertTrue(meta(nobody)["from"] is NSNull)
        let invalid = try client.json("GET", leads + "?user_owner_id=abc", token: fixture.full)
        XCTAssertEqual(invalid.status, 422)
        XCTAssertEqual(invalid.text,
                       #"{"message":"The user owner id field must be an integer.","errors":{"user_owner_id":["The user owner id field must be an integer."]}}"#)
    }

    func testSortsAndPagesNeverOverlap() throws {
        let titles = items(try list("?sort=title&per_page=3")).compactMap { $0["title"] as? String }
        XCTAssertEqual(titles, ["Lead 01", "Lead 02", "Lead 03"])
        let unknown = items(try list("?sort=password&per_page=1")).first?["title"] as? String
        XCTAssertEqual(unknown, "Lead 30", "an unknown sort is ignored")
        for sort in ["amount", "-amount", "created_at", "-updated_at", "-title"] {
            var seen: [String] = []
            var amounts: [Any] = []
            for page in 1...4 {
                let response = try list("?sort=\(sort)&per_page=8&page=\(page)")
                seen += items(response).compactMap { $0["id"] as? String }
                amounts += items(response).map { $0["amount"] ?? NSNull() }
            }
            XCTAssertEqual(seen.count, Self.liveLeads, sort)
            XCTAssertEqual(Set(seen).count, Self.liveLeads, "\(sort): no lead twice, none skipped")
            if sort.hasSuffix("amount") {
                XCTAssertTrue(amounts.suffix(6).allSatisfy { $0 is NSNull }, "\(sort): null amounts last")
            }
        }
    }

    // MARK: URLs

    func testURLsAreAbsoluteFromTheHostHeader() throws {
        let response = try list("?per_page=10&page=2", headers: [("Host", "api.example.test:8443")])
        XCTAssertEqual(meta(response)["path"] as? String, "https://api.example.test:8443/crm/api/v2/leads")
        XCTAssertEqual(links(response)["first"] as? String, "https://api.example.test:8443/crm/api/v2/leads?per_page=10&page=1")
        XCTAssertEqual(links(response)["prev"] as? String, "https://api.example.test:8443/crm/api/v2/leads?per_page=10&page=1")
        XCTAssertEqual(links(response)["next"] as? String, "https://api.example.test:8443/crm/api/v2/leads?per_page=10&page=3")
        XCTAssertEqual(links(response)["last"] as? String, "https://api.example.test:8443/crm/api/v2/leads?per_page=10&page=3")
    }

    /// HTTP/1.0 may omit Host: the URLs are still absolute, naming the address the client dialled.
    func testURLsWithoutAHostHeaderNameTheListeningAddress() throws {
        let raw = try environment.client()
        try raw.send(Array("GET \(leads)?per_page=10 HTTP/1.0\r\nAuthorization: Bearer \(fixture.full)\r\n\r\n".utf8))
        let response = try raw.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(meta(response)["path"] as? String, "https://127.0.0.1:\(environment.daemon.port)/crm/api/v2/leads")
    }

    func testForwardedHostAndSchemeComeOnlyFromATrustedProxy() throws {
        let forwarded = [("X-Forwarded-Host", "crm.example.com"), ("X-Forwarded-Proto", "http"), ("X-Forwarded-For", "203.0.113.9")]
        let viaProxy = try list("?per_page=10", headers: forwarded, client: try environment.client(from: Self.proxy))
        XCTAssertEqual(meta(viaProxy)["path"] as? String, "http://crm.example.com/crm/api/v2/leads")
        XCTAssertEqual(links(viaProxy)["next"] as? String, "http://crm.example.com/crm/api/v2/leads?per_page=10&page=2")

        let direct = try list("?per_page=10", headers: forwarded)
        XCTAssertEqual(meta(direct)["path"] as? String, "https://127.0.0.1:\(environment.daemon.port)/crm/api/v2/leads",
                       "X-Forwarded-* from an untrusted peer are ignored")
    }

    func testOtherQueryParametersKeepTheirOrderWithPageLast() throws {
        let response = try list("?sort=title&page=2&per_page=5&foo=a%20b&empty=")
        let expected = "https://127.0.0.1:\(environment.daemon.port)/crm/api/v2/leads?sort=title&per_page=5&foo=a%20b&empty=&page="
        XCTAssertEqual(links(response)["next"] as? String, expected + "3")
        XCTAssertEqual(links(response)["prev"] as? String, expected + "1")
        XCTAssertEqual(items(response).first?["title"] as? String, "Lead 06")
    }

    /// PHP clients send `filter[x]=` with raw brackets (curl -g, many HTTP libraries do).
    func testRawBracketsInTheQueryAreAccepted() throws {
        let response = try list("?filter[owner]=1&per_page=5")
        XCTAssertEqual(items(response).count, 5)
        XCTAssertEqual(links(response)["next"] as? String,
                       "https://127.0.0.1:\(environment.daemon.port)/crm/api/v2/leads?filter[owner]=1&per_page=5&page=2")
        XCTAssertEqual(try client.json("GET", leads + "/[x]", token: fixture.full).status, 400, "brackets stay invalid in the path")
    }

    // MARK: meta.links windowing

    private func windowLabels(_ query: String) throws -> [String] {
        let entries = meta(try list(query))["links"] as? [[String: Any]] ?? []
        return entries.map { entry in
            let label = entry["label"] as? String ?? "?"
            return (entry["active"] as? Bool == true ? "*" : "") + label + (entry["url"] is NSNull ? "!" : "")
        }
    }

    func testMetaLinksWindowing() throws {
        // 30 leads, 2 a page: 15 pages (N >= 14, so windows apply).
        XCTAssertEqual(try windowLabels("?per_page=2"),
                       ["&laquo; Previous!", "*1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "...!", "14", "15", "Next &raquo;"])
        XCTAssertEqual(try windowLabels("?per_page=2&page=8"),
                       ["&laquo; Previous", "1", "2", "...!", "5", "6", "7", "*8", "9", "10", "11", "...!", "14", "15", "Next &raquo;"])
        XCTAssertEqual(try windowLabels("?per_page=2&page=9"),
                       ["&laquo; Previous", "1", "2", "...!", "6", "7", "8", "*9", "10", "11", "12", "13", "14", "15", "Next &raquo;"])
        XCTAssertEqual(try windowLabels("?per_page=2&page=15"),
                       ["&laquo; Previous", "1", "2", "...!", "6", "7", "8", "9", "10", "11", "12", "13", "14", "*15", "Next &raquo;!"])
        // Fewer than 14 pages: all of them.
        XCTAssertEqual(try windowLabels("?per_page=3&page=4"),
                       ["&laquo; Previous", "1", "2", "3", "*4", "5", "6", "7", "8", "9", "10", "Next &raquo;"])
        let entry = (meta(try list("?per_page=2&page=8"))["links"] as? [[String: Any]])?[4]
        XCTAssertEqual(entry?["url"] as? String, "https://127.0.0.1:\(environment.daemon.port)/crm/api/v2/leads?per_page=2&page=5")
    }
}
