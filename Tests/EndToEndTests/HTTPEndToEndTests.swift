import Foundation
import Postgres
import TestSupport
import XCTest

/// Contract §1 (HEAD), §4 (headers), §8 (errors) and §9 (health, OpenAPI) through HTTPS, with
/// raw bytes for what a well-behaved client would never send.
final class HTTPEndToEndTests: XCTestCase {
    private static let slot = EndToEndSlot()
    private var environment: EndToEndEnvironment!
    private var fixture: EndToEndFixture { environment.fixture }
    private var client: HTTPSClient!
    private let leads = EndToEndEnvironment.leads
    private static let bodyLimit = 4096

    override class func setUp() {
        slot.make { try EndToEndEnvironment(prefix: "http", arguments: ["--max-body-bytes", String(bodyLimit)]) }
    }

    override class func tearDown() { slot.tearDown() }

    override func setUpWithError() throws {
        environment = try Self.slot.get()
        try environment.resetLeads()
        client = try environment.client()
    }

    private func leadCount() throws -> String? { try environment.scalar("SELECT count(*) FROM crm_leads") }

    // MARK: §4 headers

    func testRequestIDIsEchoedOrMadeAndLogged() throws {
        let echoed = try client.json("GET", leads, token: fixture.full, headers: [("X-Request-Id", "e2e-req.42:a_b")])
        XCTAssertEqual(echoed.header("X-Request-Id"), "e2e-req.42:a_b")
        let made = try client.json("GET", leads, token: fixture.full)
        let fresh = try XCTUnwrap(made.header("X-Request-Id"))
        XCTAssertNotNil(fresh.range(of: "^[0-9a-f]{32}$", options: .regularExpression), fresh)
        let insane = try client.json("GET", leads, token: fixture.full, headers: [("X-Request-Id", "bad id\"{}")])
        XCTAssertNotEqual(insane.header("X-Request-Id"), "bad id\"{}")
        XCTAssertEqual(insane.header("X-Request-Id")?.count, 32)
        let unknown = try client.request("GET", "/nowhere", headers: [("X-Request-Id", "e2e-404")])
        XCTAssertEqual(unknown.header("X-Request-Id"), "e2e-404", "on errors too")

        let deadline = Date().addingTimeInterval(5)
        while !environment.daemon.process.stdout().contains("e2e-req.42:a_b"), Date() < deadline { usleep(50_000) }
        XCTAssertTrue(environment.daemon.process.stdout().contains("e2e-req.42:a_b"), "the access log names the request id")
        XCTAssertFalse(environment.daemon.process.stdout().contains(fixture.full.split(separator: "|")[1]), "never a token in the log")
    }

    func testResponsesAreJSONWhateverTheClientAccepts() throws {
        let response = try client.json("GET", leads, token: fixture.full, headers: [("Accept", "text/html")])
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Content-Type"), "application/json")
        XCTAssertNotNil(response.json)
    }

    func testNonJSONContentTypeIs415AndPlusJSONIsAccepted() throws {
        for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
            let response = try client.json("POST", leads, token: fixture.full, body: #"{"title":"x"}"#, headers: [("Content-Type", type)])
            XCTAssertEqual(response.status, 415, type)
            XCTAssertEqual(response.text, #"{"message":"Unsupported Media Type."}"#)
        }
        let missing = try client.request("POST", leads, headers: [("Authorization", "Bearer \(fixture.full)")], body: Array(#"{"title":"x"}"#.utf8))
        XCTAssertEqual(missing.status, 415, "a body without Content-Type")
        XCTAssertEqual(try leadCount(), "0")
        let plus = try client.json("POST", leads, token: fixture.full, body: #"{"title":"x"}"#,
                                   headers: [("Content-Type", "application/vnd.api+json; charset=utf-8")])
        XCTAssertEqual(plus.status, 201, plus.text)
    }

    // MARK: §8 errors

    func testMalformedJSONIs400AndWritesNothing() throws {
        for body in [#"{"title":"#, "[1,2]", "\"title\"", #"{"title":"x"} trailing"#, "{\"title\":\"\u{7}\"}"] {
            let response = try client.json("POST", leads, token: fixture.full, body: body)
            XCTAssertEqual(response.status, 400, body)
            XCTAssertEqual(response.text, #"{"message":"Malformed JSON body."}"#)
        }
        let id = try XCTUnwrap(try client.json("POST", leads, token: fixture.full, body: #"{"title":"x"}"#).data["id"] as? String)
        let update = try client.json("PUT", leads + "/" + id, token: fixture.full, body: "{")
        XCTAssertEqual(update.status, 400)
        XCTAssertEqual(try leadCount(), "1")
    }

    func testHostileJSONIsRefusedAndTheWorkersSurvive() throws {
        let workers = environment.daemon.process.workerPIDs()
        let deep = String(repeating: "[", count: 1500) + String(repeating: "]", count: 1500)
        XCTAssertEqual(try client.json("POST", leads, token: fixture.full, body: deep).status, 400)
        let nested = #"{"title":"x","labels":"# + String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000) + "}"
        XCTAssertEqual(try client.json("POST", leads, token: fixture.full, body: nested).status, 400)
        let manyKeys = "{" + (0..<300).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + #","title":"many"}"#
        XCTAssertEqual(try client.json("POST", leads, token: fixture.full, body: manyKeys).status, 201)
        XCTAssertEqual(try client.json("POST", leads, token: fixture.full, body: #"{"title":"a","title":"b"}"#).data["title"] as? String,
                       "b", "the last duplicate wins, as in PHP")
        XCTAssertEqual(environment.daemon.process.workerPIDs(), workers, "no worker crashed")
    }

    func testBodyOverTheLimitIs413() throws {
        let big = #"{"title":"x","description":""# + String(repeating: "a", count: Self.bodyLimit) + #""}"#
        let response = try client.json("POST", leads, token: fixture.full, body: big)
        XCTAssertEqual(response.status, 413)
        XCTAssertEqual(response.text, #"{"message":"Payload Too Large."}"#)
        XCTAssertEqual(try leadCount(), "0")
        let justUnder = #"{"title":"x","description":""# + String(repeating: "a", count: Self.bodyLimit - 40) + #""}"#
        XCTAssertEqual(try environment.client().json("POST", leads, token: fixture.full, body: justUnder).status, 201)
    }

    func testUnknownRouteIs404AndWrongVerbIs405WithAllow() throws {
        let unknown = try client.json("GET", EndToEndEnvironment.base + "/nothing/here", token: fixture.full)
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.text, #"{"message":"The route crm/api/v2/nothing/here could not be found."}"#)
        XCTAssertEqual(try client.request("GET", "/").message, "The route / could not be found.")

        let wrong = try client.json("DELETE", leads, token: fixture.full)
        XCTAssertEqual(wrong.status, 405)
        XCTAssertEqual(wrong.message, "The DELETE method is not supported for route crm/api/v2/leads. Supported methods: GET, HEAD, POST.")
        XCTAssertEqual(wrong.header("Allow"), "GET, HEAD, POST")
        let item = try client.json("POST", leads + "/" + EndToEndFixture.missing, token: fixture.full, body: "{}")
        XCTAssertEqual(item.status, 405)
        XCTAssertEqual(item.header("Allow"), "GET, HEAD, PUT, PATCH, DELETE")
        let auth = try client.json("GET", EndToEndEnvironment.base + "/auth/token", token: nil)
        XCTAssertEqual(auth.status, 405)
        XCTAssertEqual(auth.header("Allow"), "POST, DELETE")
    }

    func testHeadAnswersLikeGetWithoutABody() throws {
        let id = try XCTUnwrap(try client.json("POST", leads, token: fixture.full, body: #"{"title":"Head"}"#).data["id"] as? String)
        for path in [leads, leads + "/" + id] {
            let get = try client.json("GET", path, token: fixture.full)
            let head = try client.json("HEAD", path, token: fixture.full)
            XCTAssertEqual(head.status, 200, path)
            XCTAssertTrue(head.body.isEmpty)
            XCTAssertEqual(head.header("Content-Type"), "application/json")
            XCTAssertEqual(head.header("Content-Length"), get.header("Content-Length"), "the length GET would send")
        }
        XCTAssertEqual(try client.json("HEAD", leads + "/" + EndToEndFixture.missing, token: fixture.full).status, 404)
        XCTAssertEqual(try client.json("HEAD", leads, token: nil).status, 401)
        let me = try client.json("HEAD", EndToEndEnvironment.base + "/auth/me", token: fixture.full)
        XCTAssertEqual(me.status, 200)
        XCTAssertTrue(me.body.isEmpty)
        let document = try client.request("HEAD", EndToEndEnvironment.base + "/openapi.json")
        XCTAssertEqual(document.status, 200)
        XCTAssertTrue(document.body.isEmpty)
        // The connection is still in step after bodiless answers.
        XCTAssertEqual(try client.json("GET", leads + "/" + id, token: fixture.full).status, 200)
        XCTAssertEqual(client.connectionsOpened, 1)
    }

    func testMalformedHTTPIs400BadRequestAndTheConnectionCloses() throws {
        let requests = [
            "GET /crm/api/v2/leads HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET /crm/api/v2/leads HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            "GET /crm/api/v2/leads HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n b\r\n\r\n",
            "GET /crm/api/v2/leads HTTP/1.1\nHost: a\n\n",
            "GET crm/api/v2/leads HTTP/1.1\r\nHost: a\r\n\r\n",
        ]
        for raw in requests {
            let connection = try environment.client()
            try connection.send(Array(raw.utf8))
            let response = try connection.readResponse()
            XCTAssertEqual(response.status, 400, raw.debugDescription)
            XCTAssertEqual(response.text, #"{"message":"Bad Request."}"#, raw.debugDescription)
            XCTAssertEqual(response.header("Connection"), "close", raw.debugDescription)
            XCTAssertFalse(connection.isConnected)
        }
        let huge = try environment.client().request("GET", leads, headers: [("X-Big", String(repeating: "b", count: 40_000))])
        XCTAssertEqual(huge.status, 431)
        XCTAssertEqual(huge.text, #"{"message":"Request Header Fields Too Large."}"#)
        let longLine = try environment.client().request("GET", leads + "?x=" + String(repeating: "y", count: 9000))
        XCTAssertEqual(longLine.status, 431, "request line over --max-request-line-bytes")
        let many = try environment.client().request("GET", leads, headers: (0..<120).map { ("X-Many-\($0)", "v") })
        XCTAssertEqual(many.status, 431, "more than --max-header-count fields")
    }

    func testKeepAliveAndPipelinedRequestsAnsweredInOrder() throws {
        for _ in 0..<20 { XCTAssertEqual(try client.json("GET", leads, token: fixture.full).status, 200) }
        XCTAssertEqual(client.connectionsOpened, 1, "one TLS connection for every request")
        XCTAssertTrue(["TLSv1.2", "TLSv1.3"].contains(client.protocolVersion ?? ""), client.protocolVersion ?? "none")

        let pipelined = ["/healthz", leads + "/" + EndToEndFixture.missing, "/nowhere"].map {
            "GET \($0) HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(fixture.full)\r\n\r\n"
        }.joined()
        try client.send(Array(pipelined.utf8))
        XCTAssertEqual(try [client.readResponse(), client.readResponse(), client.readResponse()].map(\.status), [200, 404, 404])
    }

    /// Contract §8's order: route → authentication → rate limit → crm_access → lead lookup →
    /// body → validation → ability.
    func testOrderOfChecks() throws {
        let missing = leads + "/" + EndToEndFixture.missing
        // Route before authentication.
        XCTAssertEqual(try client.json("GET", EndToEndEnvironment.base + "/nope", token: nil).status, 404)
        XCTAssertEqual(try client.json("PATCH", leads, token: nil, body: "{").status, 405)
        // Authentication before everything about the lead or the body.
        XCTAssertEqual(try client.json("PUT", missing, token: nil, body: "{").status, 401)
        // crm_access before the lead lookup and the body.
        XCTAssertEqual(try client.json("PUT", missing, token: fixture.noAccessToken, body: "{").status, 403)
        // Lead lookup before the body.
        XCTAssertEqual(try client.json("PUT", missing, token: fixture.full, body: "{").status, 404)
        XCTAssertEqual(try client.json("PUT", missing, token: fixture.full, body: "x", headers: [("Content-Type", "text/plain")]).status, 404)
        let id = try XCTUnwrap(try client.json("POST", leads, token: fixture.full, body: #"{"title":"Order"}"#).data["id"] as? String)
        // Body before validation, validation before the ability.
        XCTAssertEqual(try client.json("PUT", leads + "/" + id, token: fixture.viewer, body: "{").status, 400)
        XCTAssertEqual(try client.json("PUT", leads + "/" + id, token: fixture.viewer, body: #"{"title":1}"#,
                                       headers: [("Content-Type", "text/plain")]).status, 415)
        XCTAssertEqual(try client.json("PUT", leads + "/" + id, token: fixture.viewer, body: #"{"title":""}"#).status, 422)
        XCTAssertEqual(try client.json("PUT", leads + "/" + id, token: fixture.viewer, body: #"{"title":"ok"}"#).status, 403)
        XCTAssertEqual(try environment.scalar("SELECT title FROM crm_leads WHERE external_id = $1", [id]), "Order")
    }

    // MARK: Transport

    func testChunkedAndExpectContinueBodiesAreRead() throws {
        let body = #"{"title":"Chunked","description":"# + "\"" + String(repeating: "c", count: 1000) + "\"}"
        let bytes = Array(body.utf8)
        var chunked: [UInt8] = []
        for start in stride(from: 0, to: bytes.count, by: 300) {
            let piece = bytes[start..<min(start + 300, bytes.count)]
            chunked += Array((String(piece.count, radix: 16) + "\r\n").utf8) + piece + Array("\r\n".utf8)
        }
        chunked += Array("0\r\n\r\n".utf8)
        let response = try client.request("POST", leads, headers: [
            ("Authorization", "Bearer \(fixture.full)"), ("Content-Type", "application/json"), ("Transfer-Encoding", "chunked"),
        ], body: chunked)
        XCTAssertEqual(response.status, 201, response.text)
        XCTAssertEqual((response.data["description"] as? String)?.count, 1000)

        // Expect: 100-continue: the server says 100 Continue before the client sends the body.
        let head = "POST \(leads) HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(fixture.full)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(bytes.count)\r\nExpect: 100-continue\r\n\r\n"
        let waiting = try environment.client()
        try waiting.send(Array(head.utf8))
        let interim = try waiting.readResponse()
        XCTAssertEqual(interim.status, 100)
        try waiting.send(bytes)
        XCTAssertEqual(try waiting.readResponse(method: "POST").status, 201)
    }

    func testLargeResponsesOverTLS() throws {
        // 100 leads of about 5 kB each: a response of half a megabyte, written in many TLS records.
        try environment.sql("""
            INSERT INTO crm_leads (external_id, title, description, currency, created_at, updated_at)
            SELECT gen_random_uuid()::text, 'Big ' || g, repeat(md5(g::text), 160), 'USD', now(), now() FROM generate_series(1, 100) AS g
            """)
        let response = try client.json("GET", leads + "?per_page=100", token: fixture.full)
        XCTAssertEqual(response.status, 200)
        XCTAssertGreaterThan(response.body.count, 500_000)
        XCTAssertEqual((response.object["data"] as? [[String: Any]])?.compactMap { ($0["description"] as? String)?.count }, Array(repeating: 5120, count: 100))
        XCTAssertEqual(Int(response.header("Content-Length") ?? ""), response.body.count)
    }

    /// TLS 1.2 and 1.3 both served; a session made with one worker resumes on whichever worker
    /// takes the next connection (the context and ticket keys are made before the fork).
    func testTLSVersionsAndResumptionAcrossWorkers() throws {
        let port = environment.daemon.port, certificate = environment.certificate.path
        for version in [HTTPSClient.TLSVersion.tls12, .tls13] {
            let first = try HTTPSClient(port: port, trustedCertificate: certificate, maximumTLSVersion: version)
            XCTAssertEqual(try first.request("GET", "/healthz").status, 200)
            XCTAssertEqual(first.protocolVersion, version == .tls12 ? "TLSv1.2" : "TLSv1.3")
            XCTAssertFalse(first.sessionReused)
            let session = try XCTUnwrap(first.currentSession())
            var resumed = 0
            for _ in 0..<8 {
                let next = try HTTPSClient(port: port, trustedCertificate: certificate, maximumTLSVersion: version)
                next.offeredSession = session
                XCTAssertEqual(try next.json("GET", leads, token: fixture.full).status, 200)
                if next.sessionReused { resumed += 1 }
            }
            XCTAssertEqual(resumed, 8, "every new connection resumed (\(version))")
        }
    }

    func testConnectionCloseAndHTTP10() throws {
        let closing = try client.json("GET", leads, token: fixture.full, headers: [("Connection", "close")])
        XCTAssertEqual(closing.status, 200)
        XCTAssertEqual(closing.header("Connection"), "close")
        XCTAssertFalse(client.isConnected, "the server closed after answering")

        let old = try environment.client()
        try old.send(Array("GET /healthz HTTP/1.0\r\n\r\n".utf8))
        let answer = try old.readResponse()
        XCTAssertEqual(answer.status, 200)
        XCTAssertTrue(try old.readUntilClosed().isEmpty, "HTTP/1.0 without keep-alive: closed after one answer")
    }

    func testManyIdleConnectionsDoNotStopOthers() throws {
        let idle = try (0..<100).map { _ in try environment.client() }
        for connection in idle { XCTAssertEqual(try connection.request("GET", "/healthz").status, 200) }
        XCTAssertEqual(try environment.client().json("GET", leads, token: fixture.full).status, 200)
        XCTAssertEqual(try idle[42].json("GET", leads, token: fixture.full).status, 200, "an idle kept-alive connection still serves")
    }

    // MARK: §9 operations

    func testOpenAPIDocumentNeedsNoTokenAndIsNotCounted() throws {
        let response = try client.request("GET", EndToEndEnvironment.base + "/openapi.json")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Content-Type"), "application/json")
        XCTAssertNil(response.header("X-RateLimit-Limit"))
        XCTAssertTrue((response.object["openapi"] as? String ?? "").hasPrefix("3.1"), String(response.text.prefix(80)))
        XCTAssertNotNil((response.object["paths"] as? [String: Any])?.keys.first { $0.hasSuffix("/leads") })
    }

    /// No database: /healthz stays 200 (the process is alive), /readyz and the API are 503
    /// with Retry-After, and the answer says nothing about why.
    func testUnreachableDatabaseIs503WithRetryAfter() throws {
        let daemon = try EndToEndDaemon(databaseURL: "postgresql://leadsd@127.0.0.1:1/nothing?connect_timeout=1",
                                        certificate: environment.certificate, arguments: ["--workers", "1"], readyPath: "/healthz")
        defer { daemon.stop() }
        let client = try daemon.client()
        XCTAssertEqual(try client.request("GET", "/healthz").status, 200)
        XCTAssertEqual(try client.request("GET", "/readyz").status, 503)
        for (method, body) in [("GET", nil), ("POST", #"{"title":"x"}"#)] as [(String, String?)] {
            let response = try client.json(method, leads, token: fixture.full, body: body)
            XCTAssertEqual(response.status, 503, response.text)
            XCTAssertEqual(response.text, #"{"message":"Service Unavailable."}"#)
            XCTAssertNotNil(Int(response.header("Retry-After") ?? ""), "Retry-After")
        }
        let login = try client.json("POST", EndToEndEnvironment.base + "/auth/token", token: nil,
                                    body: #"{"email":"jane@example.test","password":"x"}"#)
        XCTAssertEqual(login.status, 503)
        XCTAssertEqual(try client.request("GET", EndToEndEnvironment.base + "/openapi.json").status, 200, "needs no database")
    }

    func testHealthzAndReadyz() throws {
        for path in ["/healthz", "/readyz"] {
            let response = try client.request("GET", path)
            XCTAssertEqual(response.status, 200, path)
            XCTAssertNotNil(response.json, path)
            XCTAssertNil(response.header("X-RateLimit-Limit"), path)
        }
    }
}
