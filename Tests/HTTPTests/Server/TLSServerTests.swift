import Foundation
import TestSupport
import XCTest
@testable import HTTP
import TLS

/// Real TLS through OpenSSL against curl and `openssl s_client` on loopback.
final class TLSServerTests: XCTestCase {
    private var certificate: (directory: String, cert: String, key: String)!
    private var context: TLSContext!
    private var servers: [RunningServer] = []

    override func setUpWithError() throws {
        certificate = try makeCertificate()
        context = try TLSContext(certificateChainFile: certificate.cert, privateKeyFile: certificate.key)
    }

    override func tearDown() {
        for server in servers { server.stop() }
        servers = []
        try? FileManager.default.removeItem(atPath: certificate.directory)
    }

    private func start(_ context: TLSContext? = nil, configure: (inout HTTPServerConfiguration) -> Void = { _ in }) throws -> RunningServer {
        var configuration = HTTPServerConfiguration()
        configure(&configuration)
        let server = try RunningServer(configuration: configuration, tls: context ?? self.context)
        servers.append(server)
        return server
    }

    private func sClient(_ port: UInt16, _ extra: [String], request: String = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n") throws -> (status: Int32, output: String) {
        try runTool("/usr/bin/openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost", "-ign_eof"] + extra, input: request)
    }

    func testCurlGetsJSONOverTLSWithALPN() throws {
        let server = try start()
        let result = try runTool("/usr/bin/curl", ["-sS", "-k", "-v", "--http1.1", "https://127.0.0.1:\(server.port)/echo", "-H", "X-Request-Id: tls-1"])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains(#""scheme":"https""#), result.output)
        XCTAssertTrue(result.output.contains("ALPN: server accepted http/1.1"), result.output)
        XCTAssertTrue(result.output.contains("< X-Request-Id: tls-1"), result.output)
        XCTAssertEqual(server.records.last?.requestID, "tls-1")
    }

    func testALPNSelectsHTTP11AmongOffers() throws {
        let server = try start()
        let offered = try sClient(server.port, ["-alpn", "h2,http/1.1"])
        XCTAssertTrue(offered.output.contains("ALPN protocol: http/1.1"), offered.output)
        let other = try sClient(server.port, ["-alpn", "h2"])
        XCTAssertTrue(other.output.contains("No ALPN negotiated"), other.output)
    }

    func testOnlyTLS12And13() throws {
        let server = try start()
        let tls13 = try sClient(server.port, ["-tls1_3"])
        XCTAssertTrue(tls13.output.contains("New, TLSv1.3"), tls13.output)
        XCTAssertTrue(tls13.output.contains(#"{"status":"ok"}"#), tls13.output)
        let tls12 = try sClient(server.port, ["-tls1_2"])
        XCTAssertTrue(tls12.output.contains("New, TLSv1.2, Cipher is ECDHE-"), tls12.output)
        // The client is allowed everything down to SECLEVEL 0, so a refusal is the server's.
        let tls11 = try sClient(server.port, ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
        XCTAssertNotEqual(tls11.status, 0, tls11.output)
        XCTAssertFalse(tls11.output.contains("New, TLSv1.1"), tls11.output)
        XCTAssertTrue(tls11.output.contains("Cipher is (NONE)") || tls11.output.contains("alert"), tls11.output)
        XCTAssertEqual(server.failures.filter { $0 == .tlsHandshake }.count, 1)
    }

    /// Two workers of one process share the context made before fork: a session from one
    /// resumes on the other (tickets, so no shared cache is needed).
    func testResumptionAcrossWorkersSharingTheContext() throws {
        let first = try start(), second = try start()
        for version in ["-tls1_2", "-tls1_3"] {
            let session = certificate.directory + "/session\(version).pem"
            let fresh = try sClient(first.port, [version, "-sess_out", session])
            XCTAssertTrue(fresh.output.contains("New, TLSv1."), fresh.output)
            let resumed = try sClient(second.port, [version, "-sess_in", session])
            XCTAssertTrue(resumed.output.contains("Reused, TLSv1."), "\(version): \(resumed.output)")
            XCTAssertTrue(resumed.output.contains(#"{"status":"ok"}"#), resumed.output)
        }
    }

    /// Hosts share a ticket-key file; contexts without it do not resume each other's sessions.
    func testTicketKeyFileSharesResumptionAcrossHosts() throws {
        let keyFile = certificate.directory + "/ticket.key"
        XCTAssertEqual(try runTool("/usr/bin/openssl", ["rand", "-out", keyFile, "80"]).status, 0)
        let hostA = try TLSContext(certificateChainFile: certificate.cert, privateKeyFile: certificate.key, ticketKeyFile: keyFile)
        let hostB = try TLSContext(certificateChainFile: certificate.cert, privateKeyFile: certificate.key, ticketKeyFile: keyFile)
        let a = try start(hostA), b = try start(hostB)
        let session = certificate.directory + "/session-hosts.pem"
        _ = try sClient(a.port, ["-tls1_3", "-sess_out", session])
        let resumed = try sClient(b.port, ["-tls1_3", "-sess_in", session])
        XCTAssertTrue(resumed.output.contains("Reused, TLSv1.3"), resumed.output)

        let stranger = try start(try TLSContext(certificateChainFile: certificate.cert, privateKeyFile: certificate.key))
        let notResumed = try sClient(stranger.port, ["-tls1_3", "-sess_in", session])
        XCTAssertTrue(notResumed.output.contains("New, TLSv1.3"), notResumed.output)

        let short = certificate.directory + "/short.key"
        XCTAssertEqual(try runTool("/usr/bin/openssl", ["rand", "-out", short, "48"]).status, 0)
        XCTAssertThrowsError(try TLSContext(certificateChainFile: certificate.cert, privateKeyFile: certificate.key, ticketKeyFile: short))
    }

    /// A key file holds the current key first and older, decrypt-only keys after it. A ticket
    /// sealed by an older key still resumes, and the client gets a new one sealed by the current
    /// key; a ticket whose key is no longer listed does not resume (a full handshake), so a key
    /// taken out of the file can no longer open sessions. TLS 1.2 (whose recorded sessions a
    /// leaked key would decrypt) and 1.3 alike; each server is a context of its own, so only the
    /// ticket can resume a session (no shared session cache).
    func testTicketsOfPreviousKeysResumeAndAreRenewedThoseOfDroppedKeysDoNot() throws {
        let directory = certificate.directory
        let old = directory + "/old.key", new = directory + "/new.key"
        let oldName = try TicketKeyFiles.makeKey(at: old), newName = try TicketKeyFiles.makeKey(at: new)
        func context(_ keys: [String]) throws -> TLSContext {
            let file = directory + "/ring-\(UInt32.random(in: 0...UInt32.max)).key"
            try TicketKeyFiles.combine(keys, into: file)
            return try TLSContext(certificateChainFile: certificate.cert, privateKeyFile: certificate.key, ticketKeyFile: file)
        }
        for version in ["-tls1_2", "-tls1_3"] {
            let sealedByOld = directory + "/old\(version).pem", sealedByNew = directory + "/new\(version).pem"
            let before = try start(try context([old]))
            XCTAssertTrue(try sClient(before.port, [version, "-sess_out", sealedByOld]).output.contains("New, TLSv1."))
            XCTAssertEqual(try TicketKeyFiles.ticketKeyName(ofSession: sealedByOld), oldName, version)

            let rotated = try start(try context([new, old]))
            let resumed = try sClient(rotated.port, [version, "-sess_in", sealedByOld])
            XCTAssertTrue(resumed.output.contains("Reused, TLSv1."), "\(version): \(resumed.output)")
            // The session the client ends with carries a ticket of the current key.
            let renewed = resumed.output.components(separatedBy: "SSL-Session:").last ?? ""
            XCTAssertEqual(TicketKeyFiles.ticketKeyName(inSessionText: renewed), newName, "\(version): renewed with the current key")
            XCTAssertTrue(try sClient(rotated.port, [version, "-sess_out", sealedByNew]).output.contains("New, TLSv1."))
            XCTAssertEqual(try TicketKeyFiles.ticketKeyName(ofSession: sealedByNew), newName, "\(version): new tickets use the first key")

            let dropped = try start(try context([new]))
            let refused = try sClient(dropped.port, [version, "-sess_in", sealedByOld])
            XCTAssertTrue(refused.output.contains("New, TLSv1."), "\(version): \(refused.output)")
            XCTAssertTrue(try sClient(dropped.port, [version, "-sess_in", sealedByNew]).output.contains("Reused, TLSv1."), version)
        }
    }

    /// In-memory keys: after one rotation a ticket of the previous key resumes; after two it
    /// does not (the key was erased from the ring every worker reads).
    func testRotatedKeysOpenTheirTicketsForOneMoreRotation() throws {
        let ring = try TicketKeyRing()
        let server = try start(try TLSContext(certificateChainFile: certificate.cert, privateKeyFile: certificate.key, ticketKeys: ring))
        let first = certificate.directory + "/first.pem"
        XCTAssertTrue(try sClient(server.port, ["-tls1_2", "-sess_out", first]).output.contains("New, TLSv1.2"))
        try ring.rotate()
        let resumed = try sClient(server.port, ["-tls1_2", "-sess_in", first])
        XCTAssertTrue(resumed.output.contains("Reused, TLSv1.2"), resumed.output)
        try ring.rotate()
        let refused = try sClient(server.port, ["-tls1_2", "-sess_in", first])
        XCTAssertTrue(refused.output.contains("New, TLSv1.2"), refused.output)
    }

    func testLargeResponsesAndKeepAliveOverTLS() throws {
        let server = try start()
        let url = "https://127.0.0.1:\(server.port)"
        let result = try runTool("/usr/bin/curl", ["-sS", "-k", "--http1.1", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{num_connects}\\n",
                                                   "\(url)/big?n=3000000", "\(url)/echo", "\(url)/big?n=70000"])
        XCTAssertEqual(result.status, 0, String(result.output.prefix(300)))
        XCTAssertEqual(result.output.split(separator: "\n"), ["200 3000000 1", "200 \(server.records[1].bytes) 0", "200 70000 0"],
                       "three responses on one connection")
        let upload = certificate.directory + "/upload.json"
        try Data(repeating: UInt8(ascii: "a"), count: 900_000).write(to: URL(fileURLWithPath: upload))
        let posted = try runTool("/usr/bin/curl", ["-sS", "-k", "--http1.1", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                                                   "-H", "Content-Type: application/json", "--data-binary", "@\(upload)", "\(url)/body"])
        XCTAssertEqual(posted.output, "200 900000", "body read through 100-continue and echoed")
        let chunked = try runTool("/usr/bin/curl", ["-sS", "-k", "--http1.1", "-o", "/dev/null", "-w", "%{http_code}",
                                                    "-H", "Transfer-Encoding: chunked", "--data-binary", "@\(upload)", "\(url)/body"])
        XCTAssertEqual(chunked.output, "200")
        let tooBig = certificate.directory + "/big.json"
        try Data(repeating: UInt8(ascii: "a"), count: 2_000_000).write(to: URL(fileURLWithPath: tooBig))
        let refused = try runTool("/usr/bin/curl", ["-sS", "-k", "--http1.1", "-w", " %{http_code}", "--data-binary", "@\(tooBig)", "\(url)/body"])
        XCTAssertEqual(refused.output, #"{"message":"Payload Too Large."} 413"#)
    }

    func testHandshakeTimeoutAndGarbage() throws {
        let server = try start { $0.handshakeTimeout = 1 }
        let silent = try RawClient(port: server.port)
        let start = Date()
        XCTAssertTrue(silent.waitForClose())
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)
        XCTAssertTrue(server.failures.contains(.handshakeTimeout))

        let plainText = try RawClient(port: server.port)
        plainText.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertTrue(plainText.waitForClose())
        XCTAssertTrue(server.failures.contains(.tlsHandshake))
        XCTAssertEqual(server.connectionCount, 0)
    }
}
