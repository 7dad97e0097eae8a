import Foundation
@testable import LeadsAPI
import XCTest

final class PaginationTests: XCTestCase {
    private func labels(_ current: Int, _ last: Int) -> [String] {
        PageWindow.elements(current: current, last: last).map {
            switch $0 {
            case .page(let page): return String(page)
            case .gap: return "..."
            }
        }
    }

    func testWindowSmall() {
        XCTAssertEqual(labels(1, 1), ["1"])
        XCTAssertEqual(labels(5, 13), (1...13).map(String.init))
    }

    func testWindowCloseToBeginning() {
        XCTAssertEqual(labels(1, 14), ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "...", "13", "14"])
        XCTAssertEqual(labels(7, 50), ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "...", "49", "50"])
    }

    func testWindowCloseToEnding() {
        XCTAssertEqual(labels(44, 50), ["1", "2", "...", "41", "42", "43", "44", "45", "46", "47", "48", "49", "50"])
        XCTAssertEqual(labels(50, 50).suffix(10), (41...50).map(String.init))
        XCTAssertEqual(labels(99, 50).count, 13, "a page past the end still shows the ending window")
    }

    func testWindowFullSlider() {
        XCTAssertEqual(labels(8, 50), ["1", "2", "...", "5", "6", "7", "8", "9", "10", "11", "...", "49", "50"])
        XCTAssertEqual(labels(43, 50), ["1", "2", "...", "40", "41", "42", "43", "44", "45", "46", "...", "49", "50"])
    }

    func testListParameters() throws {
        func parse(_ query: String) -> ListParameters? { try? ListParameters.parse(QueryString(query)).get() }
        XCTAssertEqual(parse("")?.perPage, 25)
        XCTAssertEqual(parse("per_page=0")?.perPage, 25)
        XCTAssertEqual(parse("per_page=-3")?.perPage, 25)
        XCTAssertEqual(parse("per_page=abc")?.perPage, 25)
        XCTAssertEqual(parse("per_page=2.5")?.perPage, 25)
        XCTAssertEqual(parse("per_page=101")?.perPage, 100)
        XCTAssertEqual(parse("per_page=99999999999999999999999")?.perPage, 100)
        XCTAssertEqual(parse("per_page=7")?.perPage, 7)
        XCTAssertEqual(parse("page=0")?.page, 1)
        XCTAssertEqual(parse("page=x")?.page, 1)
        XCTAssertEqual(parse("page=3")?.page, 3)
        XCTAssertEqual(parse("sort=-amount")?.sort, .init(column: .amount, descending: true))
        XCTAssertEqual(parse("sort=title")?.sort, .init(column: .title, descending: false))
        XCTAssertEqual(parse("sort=password")?.sort, .default)
        XCTAssertEqual(parse("user_owner_id=4")?.userOwnerID, 4)
        XCTAssertEqual(parse("user_owner_id=")?.userOwnerID, nil)
        XCTAssertThrowsError(try ListParameters.parse(QueryString("user_owner_id=abc")).get())
        XCTAssertThrowsError(try ListParameters.parse(QueryString("user_owner_id=1.5")).get())
        XCTAssertEqual(parse("page=9223372036854775807&per_page=100")?.offset, Int.max)
    }

    func testEnvelopeLinksAndMeta() throws {
        let query = QueryString("sort=-amount&page=2&per_page=10&user_owner_id=1")
        let envelope = PaginatorEnvelope(path: "https://h.test/crm/api/v2/leads", query: query, currentPage: 2,
                                         perPage: 10, total: 25, itemCount: 10, offset: 10)
        var writer = JSONWriter()
        envelope.write(items: { $0.int(1) }, into: &writer)
        let text = String(decoding: writer.bytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix(#"{"data":[1],"links":{"first":"https://h.test/crm/api/v2/leads?sort=-amount&per_page=10&user_owner_id=1&page=1""#), text)
        XCTAssertTrue(text.contains(#""meta":{"current_page":2,"from":11,"last_page":3,"links":[{"url":"https://h.test/crm/api/v2/leads?sort=-amount&per_page=10&user_owner_id=1&page=1","label":"&laquo; Previous","active":false}"#), text)
        XCTAssertTrue(text.hasSuffix(#""path":"https://h.test/crm/api/v2/leads","per_page":10,"to":20,"total":25}}"#), text)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: Any])
        let links = try XCTUnwrap(object["links"] as? [String: Any])
        XCTAssertEqual(links["next"] as? String, "https://h.test/crm/api/v2/leads?sort=-amount&per_page=10&user_owner_id=1&page=3")
        let meta = try XCTUnwrap(object["meta"] as? [String: Any])
        let metaLinks = try XCTUnwrap(meta["links"] as? [[String: Any]])
        XCTAssertEqual(metaLinks.map { $0["label"] as? String }, ["&laquo; Previous", "1", "2", "3", "Next &raquo;"])
        XCTAssertEqual(metaLinks.map { $0["active"] as? Bool }, [false, false, true, false, false])
    }

    func testEmptyEnvelope() throws {
        let envelope = PaginatorEnvelope(path: "https://h.test/crm/api/v2/leads", query: QueryString(nil), currentPage: 1,
                                         perPage: 25, total: 0, itemCount: 0, offset: 0)
        var writer = JSONWriter()
        envelope.write(items: { _ in }, into: &writer)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: Any])
        let meta = try XCTUnwrap(object["meta"] as? [String: Any])
        XCTAssertTrue(meta["from"] is NSNull)
        XCTAssertTrue(meta["to"] is NSNull)
        XCTAssertEqual(meta["last_page"] as? Int, 1)
        let links = try XCTUnwrap(object["links"] as? [String: Any])
        XCTAssertEqual(links["last"] as? String, "https://h.test/crm/api/v2/leads?page=1")
        XCTAssertTrue(links["prev"] is NSNull)
        XCTAssertTrue(links["next"] is NSNull)
    }
}
