import XCTest
@testable import HTTP

final class HTTPHeadParserTests: XCTestCase {
    private func assertBadRequest(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for bytewise in [false, true] {
            guard case .failed(.badRequest) = parseHead(text, bytewise: bytewise) else {
                XCTFail("expected 400 for \(text.debugDescription) (bytewise: \(bytewise)), got \(parseHead(text, bytewise: bytewise))", file: file, line: line)
                return
            }
        }
    }

    func testSimpleGet() throws {
        let text = "GET /crm/api/v2/leads?page=2&per_page=5 HTTP/1.1\r\nHost: api.example.com\r\nAccept:  application/json \r\n\r\n"
        for bytewise in [false, true] {
            guard case .head(let head, let consumed) = parseHead(text, bytewise: bytewise) else {
                return XCTFail("not parsed")
            }
            XCTAssertEqual(consumed, text.utf8.count)
            XCTAssertEqual(head.method, "GET")
            XCTAssertEqual(head.target, "/crm/api/v2/leads?page=2&per_page=5")
            XCTAssertEqual(head.path, "/crm/api/v2/leads")
            XCTAssertEqual(head.query, "page=2&per_page=5")
            XCTAssertEqual(head.minorVersion, 1)
            XCTAssertEqual(head.host, "api.example.com")
            XCTAssertEqual(head.headers["accept"], "application/json", "OWS trimmed on both sides")
            XCTAssertEqual(head.framing, HTTPBodyFraming.none)
            XCTAssertTrue(head.keepAlive)
        }
    }

    func testConsumedStopsAtEndOfHeadLeavingPipelinedBytes() {
        let text = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\n"
        guard case .head(_, let consumed) = parseHead(text) else { return XCTFail() }
        XCTAssertEqual(consumed, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n".utf8.count)
    }

    func testIncompleteHeadAsksForMore() {
        guard case .incomplete = parseHead("GET / HTTP/1.1\r\nHost: h\r\n") else { return XCTFail() }
        guard case .incomplete = parseHead("GET / HTTP/1.1\r\nHost: h\r\n\r") else { return XCTFail() }
    }

    func testLeadingEmptyLinesTolerated() {
        XCTAssertNotNil(parseHead("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n").head)
        assertBadRequest(String(repeating: "\r\n", count: 10) + "GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    }

    func testKeepAliveSemantics() {
        XCTAssertEqual(parseHead("GET / HTTP/1.1\r\nHost: h\r\n\r\n").head?.keepAlive, true)
        XCTAssertEqual(parseHead("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").head?.keepAlive, false)
        XCTAssertEqual(parseHead("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, CLOSE\r\n\r\n").head?.keepAlive, false)
        XCTAssertEqual(parseHead("GET / HTTP/1.0\r\n\r\n").head?.keepAlive, false)
        XCTAssertEqual(parseHead("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").head?.keepAlive, true)
        XCTAssertEqual(parseHead("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").head?.keepAlive, false)
    }

    func testExpectContinueOnlyWithBodyOnHTTP11() {
        XCTAssertEqual(parseHead("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-Continue\r\n\r\n").head?.expectsContinue, true)
        XCTAssertEqual(parseHead("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n").head?.expectsContinue, false)
        XCTAssertEqual(parseHead("POST / HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n").head?.expectsContinue, false)
    }

    func testFraming() {
        XCTAssertEqual(parseHead("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 42\r\n\r\n").head?.framing, .length(42))
        XCTAssertEqual(parseHead("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n").head?.framing, HTTPBodyFraming.none)
        XCTAssertEqual(parseHead("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n").head?.framing, .chunked)
        XCTAssertEqual(parseHead("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n").head?.framing, .length(Int.max))
    }

    // MARK: rejections (400)

    func testBothContentLengthAndTransferEncoding() {
        assertBadRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n")
        assertBadRequest("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n")
    }

    func testSeveralContentLengths() {
        assertBadRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n")
        assertBadRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n")
        assertBadRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n")
    }

    func testInvalidContentLength() {
        for value in ["", "-1", "+5", "5 5", "0x10", "abc", "1.0"] {
            assertBadRequest("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \(value)\r\n\r\n")
        }
    }

    func testUnknownTransferCodings() {
        assertBadRequest("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n")
        assertBadRequest("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
        assertBadRequest("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n")
        assertBadRequest("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n")
        assertBadRequest("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \r\n\r\n")
        assertBadRequest("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n")
    }

    func testObsFold() {
        assertBadRequest("GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n two\r\n\r\n")
        assertBadRequest("GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n\ttwo\r\n\r\n")
        assertBadRequest("GET / HTTP/1.1\r\n Host: h\r\n\r\n")
    }

    func testBareLFAndBareCR() {
        assertBadRequest("GET / HTTP/1.1\nHost: h\r\n\r\n")
        assertBadRequest("GET / HTTP/1.1\r\nHost: h\n\r\n")
        assertBadRequest("GET / HTTP/1.1\r\nHost: h\r\n\n")
        assertBadRequest("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n")
        assertBadRequest("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n")
        assertBadRequest("GET /\r HTTP/1.1\r\nHost: h\r\n\r\n")
        assertBadRequest("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
    }

    func testInvalidFieldNamesAndValues() {
        assertBadRequest("GET / HTTP/1.1\r\nHost : h\r\n\r\n")  // whitespace before colon
        assertBadRequest("GET / HTTP/1.1\r\nHost: h\r\nX\tA: b\r\n\r\n")
        assertBadRequest("GET / HTTP/1.1\r\nHost: h\r\n: b\r\n\r\n")
        assertBadRequest("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n")
        assertBadRequest("GET / HTTP/1.1\r\nHost: h\r\nX(A): b\r\n\r\n")
        assertBadRequest("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{0}b\r\n\r\n")
        assertBadRequest("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{7F}b\r\n\r\n")
    }

    func testInvalidMethod() {
        assertBadRequest("G(T / HTTP/1.1\r\nHost: h\r\n\r\n")
        assertBadRequest(" GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        assertBadRequest("GET  / HTTP/1.1\r\nHost: h\r\n\r\n")
        assertBadRequest("/ HTTP/1.1\r\nHost: h\r\n\r\n")
    }

    func testInvalidTarget() {
        for target in ["*", "http://example.com/", "/a b", "/a\"b", "/a<b", "/a#frag", "/%zz", "/%4", "/a\\b", "/a{b}", "/caf\u{e9}"] {
            assertBadRequest("GET \(target) HTTP/1.1\r\nHost: h\r\n\r\n")
        }
        XCTAssertEqual(parseHead("GET /a%20b/c:d@e;f=g?x=/?y&z=%2F HTTP/1.1\r\nHost: h\r\n\r\n").head?.path, "/a%20b/c:d@e;f=g")
    }

    func testRawBracketsAreAcceptedInTheQueryOnly() {
        XCTAssertEqual(parseHead("GET /leads?filter[owner]=1&a[]=2 HTTP/1.1\r\nHost: h\r\n\r\n").head?.target, "/leads?filter[owner]=1&a[]=2")
        assertBadRequest("GET /leads[1]?x=1 HTTP/1.1\r\nHost: h\r\n\r\n")
    }

    func testInvalidVersion() {
        for version in ["HTTP/2.0", "HTTP/1.2", "http/1.1", "HTTP/1.1 ", "HTTP/11", ""] {
            assertBadRequest("GET / \(version)\r\nHost: h\r\n\r\n")
        }
        assertBadRequest("GET /\r\nHost: h\r\n\r\n")
    }

    func testHost() {
        assertBadRequest("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n")
        assertBadRequest("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
        assertBadRequest("GET / HTTP/1.1\r\nHost: a b\r\n\r\n")
        assertBadRequest("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n")
        XCTAssertEqual(parseHead("GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n").head?.host, "[::1]:8443")
        XCTAssertEqual(parseHead("GET / HTTP/1.0\r\n\r\n").head?.host, "")
    }

    // MARK: limits (431)

    func testRequestLineLimit() {
        var limits = HTTPServerConfiguration()
        limits.maxRequestLineBytes = 100
        let fits = "GET /" + String(repeating: "a", count: 100 - 16) + " HTTP/1.1\r\n"
        XCTAssertEqual(fits.utf8.count, 100)
        XCTAssertNotNil(parseHead(fits + "Host: h\r\n\r\n", limits: limits).head)
        let tooLong = "GET /" + String(repeating: "a", count: 100 - 15) + " HTTP/1.1\r\nHost: h\r\n\r\n"
        XCTAssertEqual(parseHead(tooLong, limits: limits).error, .headerFieldsTooLarge)
        // Decided before the line ends: an endless line is refused once it passes the limit.
        XCTAssertEqual(parseHead("GET /" + String(repeating: "a", count: 200), limits: limits).error, .headerFieldsTooLarge)
        XCTAssertEqual(parseHead("GET /" + String(repeating: "a", count: 8 * 1024 + 10)).error, .headerFieldsTooLarge)
    }

    func testHeaderSectionLimit() {
        let big = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "b", count: 33 * 1024) + "\r\n\r\n"
        XCTAssertEqual(parseHead(big).error, .headerFieldsTooLarge)
        XCTAssertEqual(parseHead(String(big.prefix(32 * 1024 + 100))).error, .headerFieldsTooLarge, "refused before the line ends")
        let fits = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "b", count: 31 * 1024) + "\r\n\r\n"
        XCTAssertNotNil(parseHead(fits).head)
    }

    func testHeaderCountLimit() {
        var fields = "Host: h\r\n"
        for index in 1..<100 { fields += "X-\(index): v\r\n" }
        XCTAssertNotNil(parseHead("GET / HTTP/1.1\r\n\(fields)\r\n").head, "100 fields are fine")
        XCTAssertEqual(parseHead("GET / HTTP/1.1\r\n\(fields)X-101: v\r\n\r\n").error, .headerFieldsTooLarge)
    }

    func testErrorResponsesAreContractJSON() {
        let bad = HTTPParseError.badRequest("x").response
        XCTAssertEqual(bad.status, 400)
        XCTAssertEqual(String(decoding: bad.body, as: UTF8.self), #"{"message":"Bad Request."}"#)
        XCTAssertEqual(bad.headers["content-type"], "application/json")
        XCTAssertEqual(String(decoding: HTTPParseError.headerFieldsTooLarge.response.body, as: UTF8.self),
                       #"{"message":"Request Header Fields Too Large."}"#)
        XCTAssertEqual(HTTPParseError.headerFieldsTooLarge.response.status, 431)
        XCTAssertEqual(String(decoding: HTTPParseError.payloadTooLarge.response.body, as: UTF8.self),
                       #"{"message":"Payload Too Large."}"#)
        XCTAssertEqual(HTTPParseError.payloadTooLarge.response.status, 413)
    }
}
