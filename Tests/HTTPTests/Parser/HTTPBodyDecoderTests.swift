import XCTest
@testable import HTTP

final class HTTPBodyDecoderTests: XCTestCase {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    func testContentLength() {
        XCTAssertEqual(decodeBody(bytes("hello world"), framing: .length(5)), .complete(bytes("hello"), consumed: 5))
        XCTAssertEqual(decodeBody(bytes("hel"), framing: .length(5)), .needMore(bytes("hel")))
        XCTAssertEqual(decodeBody(bytes("hello"), framing: .length(5), step: 1), .complete(bytes("hello"), consumed: 5))
    }

    func testContentLengthOverLimitRefusedBeforeReading() {
        var limits = HTTPServerConfiguration()
        limits.maxBodyBytes = 10
        XCTAssertEqual(decodeBody([], framing: .length(11), limits: limits), .failed(.payloadTooLarge))
        XCTAssertEqual(decodeBody([], framing: .length(Int.max)), .failed(.payloadTooLarge))
        XCTAssertEqual(decodeBody([], framing: .length(1024 * 1024 + 1)), .failed(.payloadTooLarge))
        XCTAssertEqual(decodeBody(bytes("0123456789"), framing: .length(10), limits: limits), .complete(bytes("0123456789"), consumed: 10))
    }

    func testChunked() {
        let wire = bytes("5\r\nhello\r\n6;name=value;x=\"q\"\r\n world\r\nA\r\n0123456789\r\n0\r\n\r\nNEXT")
        for step in [1, 2, 7, wire.count] {
            XCTAssertEqual(decodeBody(wire, framing: .chunked, step: step),
                           .complete(bytes("hello world0123456789"), consumed: wire.count - 4), "step \(step)")
        }
    }

    func testChunkedTrailersAreCheckedAndDropped() {
        let wire = bytes("3\r\nabc\r\n0\r\nX-Checksum: 1\r\nX-Other: two words\r\n\r\n")
        XCTAssertEqual(decodeBody(wire, framing: .chunked, step: 3), .complete(bytes("abc"), consumed: wire.count))
        XCTAssertEqual(decodeBody(bytes("0\r\nNoColon\r\n\r\n"), framing: .chunked), .failed(.badRequest("invalid trailer field")))
        XCTAssertEqual(decodeBody(bytes("0\r\n folded: x\r\n\r\n"), framing: .chunked), .failed(.badRequest("invalid trailer field")))
        XCTAssertEqual(decodeBody(bytes("0\r\nX: a\nb\r\n\r\n"), framing: .chunked), .failed(.badRequest("invalid trailer value")))
        XCTAssertEqual(decodeBody(bytes("0\r\nX: a\r\r\n"), framing: .chunked), .failed(.badRequest("bare CR in trailer")))
        let huge = "0\r\nX: " + String(repeating: "a", count: 5000) + "\r\n\r\n"
        XCTAssertEqual(decodeBody(bytes(huge), framing: .chunked), .failed(.headerFieldsTooLarge))
    }

    func testBadChunkSizes() {
        for wire in ["g\r\n", "\r\n", " 5\r\nhello\r\n0\r\n\r\n", "-5\r\n", "+5\r\n", "0x5\r\nhello\r\n", "5 \u{0}\r\n"] {
            guard case .failed(.badRequest) = decodeBody(bytes(wire), framing: .chunked) else {
                return XCTFail("accepted \(wire.debugDescription): \(decodeBody(bytes(wire), framing: .chunked))")
            }
        }
        XCTAssertEqual(decodeBody(bytes("00000000000000001\r\n"), framing: .chunked), .failed(.badRequest("chunk size too long")))
        XCTAssertEqual(decodeBody(bytes("8000000000000000\r\n"), framing: .chunked), .failed(.badRequest("chunk size overflow")))
        XCTAssertEqual(decodeBody(bytes("FFFFFFFFFFFFFFFF\r\n"), framing: .chunked), .failed(.badRequest("chunk size overflow")))
        XCTAssertEqual(decodeBody(bytes("7FFFFFFFFFFFFFFF\r\n"), framing: .chunked), .failed(.payloadTooLarge))
    }

    func testBareCRAndLFInChunking() {
        XCTAssertEqual(decodeBody(bytes("5\nhello\r\n0\r\n\r\n"), framing: .chunked), .failed(.badRequest("invalid chunk size")))
        XCTAssertEqual(decodeBody(bytes("5\rhello\r\n0\r\n\r\n"), framing: .chunked), .failed(.badRequest("bare CR after chunk size")))
        XCTAssertEqual(decodeBody(bytes("5\r\nhello\n0\r\n\r\n"), framing: .chunked), .failed(.badRequest("chunk data not followed by CRLF")))
        XCTAssertEqual(decodeBody(bytes("5\r\nhelloX\r\n"), framing: .chunked), .failed(.badRequest("chunk data not followed by CRLF")))
        XCTAssertEqual(decodeBody(bytes("5\r\nhello\r\n0\r\n\n"), framing: .chunked), .failed(.badRequest("invalid trailer field")))
        XCTAssertEqual(decodeBody(bytes("5\r\nhello\r\n0\r\n\rX"), framing: .chunked), .failed(.badRequest("bare CR after last chunk")))
    }

    func testChunkExtensionsLimited() {
        var limits = HTTPServerConfiguration()
        limits.maxChunkExtensionBytes = 20
        let ok = bytes("1;a=b\r\nx\r\n1;c=d\r\ny\r\n0\r\n\r\n")
        XCTAssertEqual(decodeBody(ok, framing: .chunked, limits: limits), .complete(bytes("xy"), consumed: ok.count))
        var many = ""
        for _ in 0..<10 { many += "1;abcdef\r\nx\r\n" }
        XCTAssertEqual(decodeBody(bytes(many), framing: .chunked, limits: limits), .failed(.badRequest("chunk extensions too long")))
        XCTAssertEqual(decodeBody(bytes("1;a\u{1}\r\nx\r\n"), framing: .chunked), .failed(.badRequest("invalid chunk extension")))
    }

    func testChunkedOverLimitRefusedAsSoonAsTheSumPasses() {
        var limits = HTTPServerConfiguration()
        limits.maxBodyBytes = 10
        // The second size line already passes the limit: refused before its data arrives.
        XCTAssertEqual(decodeBody(bytes("6\r\nabcdef\r\n5\r\n"), framing: .chunked, limits: limits), .failed(.payloadTooLarge))
        XCTAssertEqual(decodeBody(bytes("100001\r\n"), framing: .chunked), .failed(.payloadTooLarge))
        XCTAssertEqual(decodeBody(bytes("5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n"), framing: .chunked, limits: limits),
                       .complete(bytes("abcdefghij"), consumed: 25))
    }
}
