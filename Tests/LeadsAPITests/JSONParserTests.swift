@testable import LeadsAPI
import XCTest

final class JSONParserTests: XCTestCase {
    private func parse(_ text: String) -> JSONValue? { try? JSONParser.parse(Array(text.utf8)) }

    func testKeepsAbsentApartFromNull() throws {
        guard case .object(let object)? = parse(#"{"person_id": null, "title": "x"}"#) else { return XCTFail("not an object") }
        XCTAssertEqual(object["person_id"], .null)
        XCTAssertNil(object["organization_id"])
        XCTAssertEqual(object["title"], .string("x"))
    }

    func testNumbersKeepTheirText() {
        XCTAssertEqual(parse("12.345"), .number("12.345"))
        XCTAssertEqual(parse("1e2"), .number("1e2"))
        XCTAssertEqual(parse("-0.50"), .number("-0.50"))
        XCTAssertEqual(parse("1E+2"), .number("1E+2"))
    }

    func testRejectsWhatRFC8259Rejects() {
        let bad = [
            "", " ", "{", "}", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "+1", "-", "1e", "NaN", "Infinity",
            "'a'", "{a:1}", "tru", "nul", "[1] x", "{} {}", "\"\u{01}\"", "\"\\x\"", "\"\\u12\"",
            "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\u{feff}{}", "[1 2]", "{\"a\" 1}",
        ]
        for text in bad { XCTAssertNil(parse(text), "should reject \(text.debugDescription)") }
        XCTAssertNil(try? JSONParser.parse([0x22, 0xFF, 0x22]), "invalid UTF-8 inside a string")
        XCTAssertNil(try? JSONParser.parse([0x22, 0xC3, 0x22]), "truncated UTF-8 inside a string")
    }

    func testAcceptsValidDocuments() {
        XCTAssertEqual(parse(" \t\r\n{ } \n"), .object(JSONObject()))
        XCTAssertEqual(parse("[true,false,null,\"\"]"), .array([.bool(true), .bool(false), .null, .string("")]))
        XCTAssertEqual(parse(#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00""#), .string("a\"\\/\u{8}\u{c}\n\r\té😀"))
        XCTAssertEqual(parse("\"😀 Zoë\""), .string("😀 Zoë"))
    }

    func testDuplicateKeysLastWins() {
        guard case .object(let object)? = parse(#"{"a":1,"a":2}"#) else { return XCTFail() }
        XCTAssertEqual(object["a"], .number("2"))
    }

    func testDepthIsLimited() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        XCTAssertNil(parse(deep))
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        XCTAssertNotNil(parse(fine))
        // Far deeper than the stack could take without the limit.
        XCTAssertNil(parse(String(repeating: "[", count: 100_000)))
        XCTAssertNil(parse(String(repeating: "{\"a\":", count: 100_000)))
    }
}
