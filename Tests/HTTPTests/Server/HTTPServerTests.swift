import Dispatch
import Foundation
import XCTest
@testable import HTTP
#if canImport(Glibc)
import Glibc
#endif

final class HTTPServerTests: XCTestCase {
    private var running: RunningServer!

    override func setUpWithError() throws {
        running = try RunningServer()
    }

    override func tearDown() {
        running?.stop()
        running = nil
    }

    private func restart(_ configure: (inout HTTPServerConfiguration) -> Void, proxyProtocol: Bool = false) throws {
        running.stop()
        var configuration = HTTPServerConfiguration()
        configure(&configuration)
        running = try RunningServer(configuration: configuration, proxyProtocol: proxyProtocol)
    }

    func testKeepAliveServesSeveralRequestsOnOneConnection() throws {
        let client = try RawClient(port: running.port)
        for index in 0..<3 {
            client.send("GET /echo?i=\(index) HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let response = try XCTUnwrap(client.readResponse())
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.header("connection"), "keep-alive")
            XCTAssertEqual(response.header("content-type"), "application/json")
            XCTAssertEqual(response.header("content-length"), String(response.body.utf8.count))
            XCTAssertNotNil(response.header("date"))
            XCTAssertTrue(response.body.contains(#""client":"127.0.0.1""#), response.body)
            XCTAssertTrue(response.body.contains(#""scheme":"http""#))
        }
        XCTAssertEqual(running.connectionCount, 1)
    }

    func testConnectionCloseAndHTTP10() throws {
        let client = try RawClient(port: running.port)
        client.send("GET /echo HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(client.readResponse()?.header("connection"), "close")
        XCTAssertTrue(client.waitForClose())

        let old = try RawClient(port: running.port)
        old.send("GET /echo HTTP/1.0\r\n\r\n")
        let response = try XCTUnwrap(old.readResponse())
        XCTAssertEqual(response.statusLine, "HTTP/1.1 200 OK")
        XCTAssertEqual(response.header("connection"), "close")
        XCTAssertTrue(old.waitForClose())

        let kept = try RawClient(port: running.port)
        kept.send("GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(kept.readResponse()?.header("connection"), "keep-alive")
        XCTAssertEqual(kept.readResponse()?.status, 200)
    }

    func testPipelinedResponsesComeInRequestOrder() throws {
        let client = try RawClient(port: running.port)
        // The first answer is the slowest: the later ones complete first and must wait.
        client.send("GET /delay?ms=300 HTTP/1.1\r\nHost: h\r\nX-Request-Id: r1\r\n\r\n"
            + "GET /delay?ms=0 HTTP/1.1\r\nHost: h\r\nX-Request-Id: r2\r\n\r\n"
            + "GET /echo HTTP/1.1\r\nHost: h\r\nX-Request-Id: r3\r\n\r\n"
            + "HEAD /echo HTTP/1.1\r\nHost: h\r\nX-Request-Id: r4\r\n\r\n"
            + "GET /delay?ms=100 HTTP/1.1\r\nHost: h\r\nX-Request-Id: r5\r\n\r\n")
        var ids: [String] = []
        for index in 0..<5 {
            let response = try XCTUnwrap(client.readResponse(head: index == 3))
            XCTAssertEqual(response.status, 200)
            ids.append(response.header("x-request-id") ?? "")
        }
        XCTAssertEqual(ids, ["r1", "r2", "r3", "r4", "r5"])
        XCTAssertEqual(client.pendingBytes, 0, "HEAD carried no body")
    }

    func testPipelinedRequestsInOneByteWrites() throws {
        let client = try RawClient(port: running.port)
        for byte in Array("GET /echo HTTP/1.1\r\nHost: h\r\n\r\nGET /empty HTTP/1.1\r\nHost: h\r\n\r\n".utf8) {
            client.send([byte])
        }
        XCTAssertEqual(client.readResponse()?.status, 200)
        XCTAssertEqual(client.readResponse()?.status, 204)
    }

    func testHeadHasTheGetHeadersAndNoBody() throws {
        let client = try RawClient(port: running.port)
        client.send("GET /big?n=1234 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /big?n=1234 HTTP/1.1\r\nHost: h\r\n\r\nGET /empty HTTP/1.1\r\nHost: h\r\n\r\n")
        let get = try XCTUnwrap(client.readResponse())
        let head = try XCTUnwrap(client.readResponse(head: true))
        XCTAssertEqual(get.header("content-length"), "1234")
        XCTAssertEqual(head.header("content-length"), "1234")
        XCTAssertEqual(head.header("content-type"), "application/json")
        let empty = try XCTUnwrap(client.readResponse())
        XCTAssertEqual(empty.status, 204, "the byte after HEAD's head is the next response")
        XCTAssertNil(empty.header("content-length"), "204 has no Content-Length")
        XCTAssertEqual(empty.body, "")
    }

    func testRequestBodiesContentLengthAndChunked() throws {
        let client = try RawClient(port: running.port)
        client.send("POST /body HTTP/1.1\r\nHost: h\r\nContent-Length: 13\r\n\r\n{\"name\":\"x\"}\n")
        XCTAssertEqual(client.readResponse()?.body, "{\"name\":\"x\"}\n")
        client.send("POST /body HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3;ext=1\r\n:1}\r\n0\r\nX-T: 1\r\n\r\n")
        XCTAssertEqual(client.readResponse()?.body, "{\"a\":1}")
    }

    func testExpectContinue() throws {
        let client = try RawClient(port: running.port)
        client.send("POST /body HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertEqual(client.readBytes(25), "HTTP/1.1 100 Continue\r\n\r\n")
        client.send("ABCD")
        let response = try XCTUnwrap(client.readResponse())
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body, "ABCD")

        // Too large: the final 413 comes instead of 100 Continue, and the body is never read.
        let big = try RawClient(port: running.port)
        big.send("POST /body HTTP/1.1\r\nHost: h\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n")
        let refused = try XCTUnwrap(big.readResponse())
        XCTAssertEqual(refused.status, 413)
        XCTAssertEqual(refused.body, #"{"message":"Payload Too Large."}"#)
        XCTAssertTrue(big.waitForClose())
    }

    func testRejectionsAreJSONAndClose() throws {
        let cases: [(String, Int, String)] = [
            ("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "Bad Request."),
            ("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400, "Bad Request."),
            ("GET / HTTP/1.1\nHost: h\r\n\r\n", 400, "Bad Request."),
            ("GET /x HTTP/1.1\r\n\r\n", 400, "Bad Request."),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "Bad Request."),
            ("GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "a", count: 40_000) + "\r\n\r\n", 431, "Request Header Fields Too Large."),
            ("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: h\r\n\r\n", 431, "Request Header Fields Too Large."),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1048577\r\n\r\n", 413, "Payload Too Large."),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n", 413, "Payload Too Large."),
        ]
        for (request, status, message) in cases {
            let client = try RawClient(port: running.port)
            client.send(request)
            let response = try XCTUnwrap(client.readResponse(), request.prefix(60).debugDescription)
            XCTAssertEqual(response.status, status, request.prefix(60).debugDescription)
            XCTAssertEqual(response.body, "{\"message\":\"\(message)\"}")
            XCTAssertEqual(response.header("content-type"), "application/json")
            XCTAssertEqual(response.header("connection"), "close")
            XCTAssertEqual(response.header("x-request-id")?.utf8.count, 32)
            XCTAssertTrue(client.waitForClose(), "closed after \(status)")
        }
        XCTAssertEqual(running.responder.seenPaths.count, 0, "nothing reached the application")
    }

    func testPipelinedRequestBeforeAnErrorIsStillAnswered() throws {
        let client = try RawClient(port: running.port)
        client.send("GET /delay?ms=100 HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n")
        XCTAssertEqual(client.readResponse()?.status, 200)
        XCTAssertEqual(client.readResponse()?.status, 400)
        XCTAssertTrue(client.waitForClose())
    }

    func testHealthAndReadiness() throws {
        let client = try RawClient(port: running.port)
        client.send("GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n")
        let health = try XCTUnwrap(client.readResponse())
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.body, #"{"status":"ok"}"#)
        client.send("GET /readyz HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertEqual(client.readResponse()?.status, 200)
        running.setReady(false)
        client.send("GET /readyz HTTP/1.1\r\nHost: h\r\n\r\n")
        let notReady = try XCTUnwrap(client.readResponse())
        XCTAssertEqual(notReady.status, 503)
        XCTAssertEqual(notReady.body, #"{"message":"Service Unavailable."}"#)
        XCTAssertEqual(notReady.header("retry-after"), "5")
        client.send("POST /healthz HTTP/1.1\r\nHost: h\r\n\r\n")
        let post = try XCTUnwrap(client.readResponse())
        XCTAssertEqual(post.status, 405)
        XCTAssertEqual(post.header("allow"), "GET, HEAD")
        XCTAssertEqual(running.responder.seenPaths, [], "never passed to the application")
        XCTAssertEqual(running.records.map(\.route), ["/healthz", "/readyz", "/readyz", "/healthz"])
    }

    func testRequestIDKeptWhenSaneElseMade() throws {
        let client = try RawClient(port: running.port)
        client.send("GET /echo HTTP/1.1\r\nHost: h\r\nX-Request-Id: abc-123_x.y:z\r\n\r\n")
        XCTAssertEqual(client.readResponse()?.header("x-request-id"), "abc-123_x.y:z")
        for insane in ["has space", "semi;colon", String(repeating: "a", count: 201), "\u{e9}"] {
            client.send("GET /echo HTTP/1.1\r\nHost: h\r\nX-Request-Id: \(insane)\r\n\r\n")
            let id = try XCTUnwrap(client.readResponse()?.header("x-request-id"))
            XCTAssertEqual(id.count, 32)
            XCTAssertTrue(id.allSatisfy(\.isHexDigit))
        }
    }

    func testRequestRecords() throws {
        let client = try RawClient(port: running.port)
        client.send("POST /body HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer 1|secret\r\nX-Request-Id: rec-1\r\nContent-Length: 2\r\n\r\nhi")
        XCTAssertEqual(client.readResponse()?.status, 200)
        let record = try XCTUnwrap(running.records.last)
        XCTAssertEqual(record.method, "POST")
        XCTAssertEqual(record.route, "/body")
        XCTAssertEqual(record.status, 200)
        XCTAssertEqual(record.bytes, 2)
        XCTAssertEqual(record.clientAddress, "127.0.0.1")
        XCTAssertEqual(record.requestID, "rec-1")
        XCTAssertGreaterThanOrEqual(record.durationSeconds, 0)
        XCTAssertLessThan(record.durationSeconds, 5)
        XCTAssertFalse("\(record)".contains("secret"))
    }

    func testHeaderAndIdleTimeouts() throws {
        try restart { $0.headerTimeout = 1; $0.idleTimeout = 1; $0.bodyTimeout = 1 }
        let start = Date()
        let partial = try RawClient(port: running.port)
        partial.send("GET / HTTP/1.1\r\nHost: h\r\n")
        XCTAssertTrue(partial.waitForClose())
        // Upper bounds well below the 10 s / 60 s defaults, with room for a loaded CI machine.
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)

        let idle = try RawClient(port: running.port)
        idle.send("GET /echo HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertEqual(idle.readResponse()?.status, 200)
        let idleStart = Date()
        XCTAssertTrue(idle.waitForClose())
        XCTAssertGreaterThan(Date().timeIntervalSince(idleStart), 0.4)
        XCTAssertLessThan(Date().timeIntervalSince(idleStart), 5)

        let body = try RawClient(port: running.port)
        body.send("POST /body HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
        XCTAssertTrue(body.waitForClose())

        let silent = try RawClient(port: running.port)
        XCTAssertTrue(silent.waitForClose(), "a connection that never sends is closed too")
        XCTAssertEqual(running.connectionCount, 0)
    }

    func testSlowClientsDoNotPinTheWorker() throws {
        try restart { $0.headerTimeout = 3 }
        var slow: [RawClient] = []
        for _ in 0..<200 {
            let client = try RawClient(port: running.port, timeout: 6)
            client.send("G")
            slow.append(client)
        }
        let request = Array("ET / HTTP/1.1\r\nHost: h\r\nX-Slow: ".utf8)
        var worst = 0.0
        for second in 0..<5 {
            for client in slow { client.send([request[min(second, request.count - 1)]]) }
            let start = Date()
            let normal = try RawClient(port: running.port)
            normal.send("GET /echo HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
            XCTAssertEqual(normal.readResponse()?.status, 200)
            worst = max(worst, Date().timeIntervalSince(start))
            Thread.sleep(forTimeInterval: 1)
        }
        XCTAssertLessThan(worst, 0.5, "a normal client is served while 200 slow ones trickle")
        // Their header timeout (3 s from the first byte) has passed: all were closed.
        for client in slow { XCTAssertTrue(client.waitForClose()) }
        print("slowloris: worst normal-request latency \(worst) s with 200 slow connections")
    }

    func testConnectionLimitStopsAcceptingUntilOneCloses() throws {
        try restart { $0.maxConnections = 3 }
        var held = try (0..<3).map { _ in try RawClient(port: running.port) }
        for client in held {
            client.send("GET /echo HTTP/1.1\r\nHost: h\r\n\r\n")
            XCTAssertEqual(client.readResponse()?.status, 200)
        }
        let waiting = try RawClient(port: running.port, timeout: 0.7)
        waiting.send("GET /echo HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertNil(waiting.readResponse(), "not accepted while at the limit")
        XCTAssertEqual(running.connectionCount, 3)
        held.removeFirst()
        waiting.setTimeout(5)
        XCTAssertEqual(waiting.readResponse()?.status, 200, "accepted once a slot was free")
    }

    func testDrainFinishesInFlightClosesIdleAndStopsAccepting() throws {
        let idle = try RawClient(port: running.port)
        idle.send("GET /echo HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertEqual(idle.readResponse()?.status, 200)
        let busy = try RawClient(port: running.port)
        busy.send("GET /delay?ms=500 HTTP/1.1\r\nHost: h\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.1)

        let drained = expectation(description: "drained")
        let server = running.server!
        running.queue.sync { server.beginDrain { drained.fulfill() } }
        XCTAssertTrue(idle.waitForClose(), "idle keep-alive connection closed at once")
        let response = try XCTUnwrap(busy.readResponse())
        XCTAssertEqual(response.status, 200, "in-flight request completed")
        XCTAssertEqual(response.header("connection"), "close")
        wait(for: [drained], timeout: 5)
        XCTAssertThrowsError(try RawClient(port: running.port), "listener closed")
    }

    func testTrustedProxyHeaders() throws {
        try restart { $0.trustedProxies = [CIDR("127.0.0.1")!, CIDR("10.0.0.0/8")!] }
        let client = try RawClient(port: running.port)
        client.send("GET /echo HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 6.6.6.6, 203.0.113.9, 10.0.0.2\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: api.example.com\r\n\r\n")
        let body = try XCTUnwrap(client.readResponse()?.body)
        XCTAssertTrue(body.contains(#""client":"203.0.113.9""#), body)
        XCTAssertTrue(body.contains(#""scheme":"https""#), body)
        XCTAssertTrue(body.contains(#""host":"api.example.com""#), body)
        XCTAssertEqual(running.records.last?.clientAddress, "203.0.113.9")
    }

    func testUntrustedProxyHeadersIgnored() throws {
        let client = try RawClient(port: running.port)
        client.send("GET /echo HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n\r\n")
        let body = try XCTUnwrap(client.readResponse()?.body)
        XCTAssertTrue(body.contains(#""client":"127.0.0.1""#), body)
        XCTAssertTrue(body.contains(#""scheme":"http""#), body)
    }

    func testProxyProtocolV1AndV2() throws {
        try restart({ $0.trustedProxies = [CIDR("127.0.0.0/8")!] }, proxyProtocol: true)
        let v1 = try RawClient(port: running.port)
        v1.send("PROXY TCP4 198.51.100.7 127.0.0.1 40000 443\r\nGET /echo HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertTrue(try XCTUnwrap(v1.readResponse()?.body).contains(#""client":"198.51.100.7""#))

        let v2 = try RawClient(port: running.port)
        v2.send(ProxyProtocolHeader.v2Signature + [0x21, 0x21, 0, 36] + IPAddress("2001:db8::42")!.bytes
            + IPAddress("2001:db8::1")!.bytes + [0x9C, 0x40, 0x01, 0xBB])
        Thread.sleep(forTimeInterval: 0.05)  // header and request in separate segments
        v2.send("GET /echo HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertTrue(try XCTUnwrap(v2.readResponse()?.body).contains(#""client":"2001:db8::42""#))

        let missing = try RawClient(port: running.port)
        missing.send("GET /echo HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertNil(missing.readResponse(), "no PROXY header: closed")
        XCTAssertTrue(running.failures.contains(.proxyHeader))
    }

    func testProxyProtocolFromUntrustedPeerRefused() throws {
        try restart({ $0.trustedProxies = [CIDR("10.0.0.0/8")!] }, proxyProtocol: true)
        let client = try RawClient(port: running.port)
        client.send("PROXY TCP4 198.51.100.7 127.0.0.1 40000 443\r\nGET /echo HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertNil(client.readResponse())
        XCTAssertTrue(client.waitForClose())
    }
}
