import Foundation
@testable import LeadsAPI
import XCTest

final class JSONWriterTests: XCTestCase {
    private func text(_ build: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter()
        build(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Parses with Foundation as an independent check that the bytes are valid JSON.
    private func decodes(_ bytes: [UInt8]) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    }

    func testCommasAndNesting() {
        let json = text { w in
            w.beginObject()
            w.key("a"); w.int(1)
            w.key("b"); w.beginArray(); w.int(1); w.null(); w.bool(true); w.beginObject(); w.endObject(); w.endArray()
            w.key("c"); w.beginObject(); w.key("d"); w.string("x"); w.key("e"); w.bool(false); w.endObject()
            w.endObject()
        }
        XCTAssertEqual(json, #"{"a":1,"b":[1,null,true,{}],"c":{"d":"x","e":false}}"#)
    }

    func testCentsHaveExactlyTwoDecimals() {
        XCTAssertEqual(text { $0.cents(1_250_000) }, "12500.00")
        XCTAssertEqual(text { $0.cents(150_050) }, "1500.50")
        XCTAssertEqual(text { $0.cents(5) }, "0.05")
        XCTAssertEqual(text { $0.cents(0) }, "0.00")
        XCTAssertEqual(text { $0.cents(-5) }, "-0.05")
        XCTAssertEqual(text { $0.cents(-123_456) }, "-1234.56")
        XCTAssertEqual(text { $0.cents(Int.min) }, "-92233720368547758.08")
        XCTAssertEqual(text { $0.cents(Int.max) }, "92233720368547758.07")
    }

    func testIntegers() {
        XCTAssertEqual(text { $0.int(0) }, "0")
        XCTAssertEqual(text { $0.int(-42) }, "-42")
        XCTAssertEqual(text { $0.int(Int.min) }, "-9223372036854775808")
    }

    func testEscapesQuotesBackslashesAndControlCharacters() {
        let input = "a\"b\\c\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}/"
        let json = text { $0.string(input) }
        XCTAssertEqual(json, #""a\"b\\c\n\r\t\b\f\u0000\u001f\u007f/""#)
        XCTAssertEqual(decodes(Array(json.utf8)) as? String, input)
    }

    func testEmojiAndNonASCIIPassThrough() {
        let input = "Zoë 😀 日本 \u{2028}"
        let bytes = { var w = JSONWriter(); w.string(input); return w.bytes }()
        XCTAssertEqual(Array(bytes.dropFirst().dropLast()), Array(input.utf8))
        XCTAssertEqual(decodes(bytes) as? String, input)
    }

    func testInvalidUTF8IsRepairedIntoValidJSON() {
        let cases: [[UInt8]] = [
            [0x61, 0xFF, 0x62],               // a byte that never appears in UTF-8
            [0xC3],                           // truncated two-byte sequence at the end
            [0xE2, 0x82, 0x22],               // truncated three-byte sequence before a quote
            [0xC0, 0xAF],                     // overlong '/'
            [0xED, 0xA0, 0x80],               // encoded surrogate
            [0xF4, 0x90, 0x80, 0x80],         // above U+10FFFF
            [0x80, 0x5C, 0x0A],               // lone continuation, backslash, newline
        ]
        for input in cases {
            var writer = JSONWriter()
            writer.string(bytes: input)
            XCTAssertNotNil(String(validating: writer.bytes, as: UTF8.self), "output must be valid UTF-8 for \(input)")
            let decoded = decodes(writer.bytes) as? String
            XCTAssertNotNil(decoded, "output must be valid JSON for \(input)")
            XCTAssertTrue(decoded?.contains("\u{FFFD}") ?? false, "bad bytes become U+FFFD for \(input)")
        }
        var writer = JSONWriter()
        writer.string(bytes: [0x61, 0xFF, 0x62])
        XCTAssertEqual(writer.bytes, Array("\"a\u{FFFD}b\"".utf8))
    }

    func testNullableStrings() {
        XCTAssertEqual(text { w in w.beginArray(); w.string(nil as String?); w.string(bytes: nil); w.endArray() }, "[null,null]")
    }
}
