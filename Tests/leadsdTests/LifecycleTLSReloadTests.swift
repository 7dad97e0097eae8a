#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import XCTest

/// SIGHUP re-reads the certificate files in the master; workers started after it present
/// the new certificate. Needs the real TLS server (http branch), `openssl` and `curl`.
final class LifecycleTLSReloadTests: XCTestCase {
    private var directory = ""
    private var certificates: [TestCertificate] = []

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "leadsd-tls-reload-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
        certificates.forEach { $0.remove() }
    }

    private func makeCertificate(commonName: String) throws -> (cert: String, key: String) {
        let certificate = try TestCertificate(commonName: commonName)
        certificates.append(certificate)
        return (certificate.path, certificate.keyPath)
    }

    /// The subject CN the server presents to a new connection.
    private func presentedName(port: UInt16) throws -> String? {
        let text = try runTool("curl", ["-sk", "-v", "-o", "/dev/null", "--max-time", "5", "https://127.0.0.1:\(port)/healthz"]).output
        guard let range = text.range(of: #"subject: CN\s*=\s*[A-Za-z0-9.-]+"#, options: .regularExpression) else { return nil }
        return text[range].split(separator: "=").last.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func testSIGHUPPresentsTheNewCertificateAndABrokenOneIsRefused() throws {
        let first = try makeCertificate(commonName: "first.test")
        let second = try makeCertificate(commonName: "second.test")
        let cert = directory + "/server.crt", key = directory + "/server.key"
        try FileManager.default.copyItem(atPath: first.cert, toPath: cert)
        try FileManager.default.copyItem(atPath: first.key, toPath: key)

        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "2", "--tls-cert", cert, "--tls-key", key], waitForHealth: false)
        XCTAssertTrue(waitUntil(20) { daemon.stderr().contains("\"event\":\"ready\"") }, daemon.stderr())
        XCTAssertEqual(try presentedName(port: daemon.port), "first.test")

        // A broken certificate file: the reload fails, the old workers keep the old one.
        try "not a certificate".write(toFile: cert, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        XCTAssertTrue(waitUntil(10) { daemon.stderr().contains("\"reload_failed\"") }, daemon.stderr())
        XCTAssertEqual(try presentedName(port: daemon.port), "first.test")

        try FileManager.default.removeItem(atPath: cert)
        try FileManager.default.removeItem(atPath: key)
        try FileManager.default.copyItem(atPath: second.cert, toPath: cert)
        try FileManager.default.copyItem(atPath: second.key, toPath: key)
        daemon.signal(SIGHUP)
        XCTAssertTrue(waitUntil(10) { daemon.stderr().contains("\"reloaded\"") }, daemon.stderr())
        XCTAssertTrue(waitUntil(10) { (try? self.presentedName(port: daemon.port)) == "second.test" })
        XCTAssertEqual(daemon.stop(), 0)
    }

    /// `openssl s_client` once against the daemon (TLS 1.2), offering and/or saving a session.
    /// `renewedKey` is the key name of the ticket the session ends with (s_client prints the
    /// session a resumption ends with, but writes only new sessions to `-sess_out`).
    private func handshake(port: UInt16, offering: String? = nil, saving: String? = nil) throws -> (resumed: Bool, renewedKey: String?) {
        var arguments = ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost", "-ign_eof", "-tls1_2"]
        if let offering { arguments += ["-sess_in", offering] }
        if let saving { arguments += ["-sess_out", saving] }
        let output = try runTool("/usr/bin/openssl", arguments, input: "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").output
        XCTAssertTrue(output.contains(#"{"status":"ok"}"#), output)
        let session = output.components(separatedBy: "SSL-Session:").last ?? ""
        return (output.contains("Reused, TLSv1."), TicketKeyFiles.ticketKeyName(inSessionText: session))
    }

    private func count(_ event: String, in daemon: DaemonProcess) -> Int {
        daemon.stderrLines().filter { $0.contains("\"event\":\"\(event)\"") }.count
    }

    /// SIGHUP re-reads the ticket-key file: a key moved behind a new one still opens its
    /// tickets (renewed with the new key), a key removed opens nothing any more.
    func testSIGHUPReReadsTheTicketKeyFile() throws {
        let tls = try makeCertificate(commonName: "localhost")
        let old = directory + "/old.key", new = directory + "/new.key", file = directory + "/ticket.key"
        let oldName = try TicketKeyFiles.makeKey(at: old), newName = try TicketKeyFiles.makeKey(at: new)
        try TicketKeyFiles.combine([old], into: file)
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "2", "--tls-cert", tls.cert, "--tls-key", tls.key, "--tls-ticket-key", file],
                         waitForHealth: false)
        XCTAssertTrue(waitUntil(20) { daemon.stderr().contains("\"event\":\"ready\"") }, daemon.stderr())
        let sealedByOld = directory + "/old.pem", sealedByNew = directory + "/new.pem"
        XCTAssertFalse(try handshake(port: daemon.port, saving: sealedByOld).resumed)
        XCTAssertEqual(try TicketKeyFiles.ticketKeyName(ofSession: sealedByOld), oldName)

        try TicketKeyFiles.combine([new, old], into: file)
        daemon.signal(SIGHUP)
        XCTAssertTrue(waitUntil(10) { count("reloaded", in: daemon) == 1 }, daemon.stderr())
        let resumed = try handshake(port: daemon.port, offering: sealedByOld)
        XCTAssertTrue(resumed.resumed, "the previous key still opens its ticket")
        XCTAssertEqual(resumed.renewedKey, newName, "and the client gets a ticket of the current key")
        XCTAssertFalse(try handshake(port: daemon.port, saving: sealedByNew).resumed)
        XCTAssertEqual(try TicketKeyFiles.ticketKeyName(ofSession: sealedByNew), newName)

        try TicketKeyFiles.combine([new], into: file)
        daemon.signal(SIGHUP)
        XCTAssertTrue(waitUntil(10) { count("reloaded", in: daemon) == 2 }, daemon.stderr())
        for _ in 0..<4 {  // whichever worker takes the connection
            XCTAssertFalse(try handshake(port: daemon.port, offering: sealedByOld).resumed, "a key no longer listed opens nothing")
        }
        XCTAssertTrue(try handshake(port: daemon.port, offering: sealedByNew).resumed)
        XCTAssertEqual(daemon.stop(), 0)
    }

    /// Without a key file the keys live in memory and rotate (every 12 h unless told): a ticket
    /// of the previous key still resumes and is renewed, one two rotations old does not.
    func testInMemoryTicketKeysRotate() throws {
        let tls = try makeCertificate(commonName: "localhost")
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "2", "--tls-cert", tls.cert, "--tls-key", tls.key, "--tls-ticket-key-rotation", "3"],
                         waitForHealth: false)
        XCTAssertTrue(waitUntil(20) { daemon.stderr().contains("\"event\":\"ready\"") }, daemon.stderr())
        let first = directory + "/first.pem", second = directory + "/second.pem"
        // Right after a rotation, so that the steps below fit well inside one interval each.
        let rotations = count("ticket_keys_rotated", in: daemon)
        XCTAssertTrue(waitUntil(10) { count("ticket_keys_rotated", in: daemon) == rotations + 1 }, daemon.stderr())
        XCTAssertFalse(try handshake(port: daemon.port, saving: first).resumed)
        let firstKey = try XCTUnwrap(try TicketKeyFiles.ticketKeyName(ofSession: first))

        XCTAssertTrue(waitUntil(10) { count("ticket_keys_rotated", in: daemon) == rotations + 2 }, daemon.stderr())
        let resumed = try handshake(port: daemon.port, offering: first)
        XCTAssertTrue(resumed.resumed, "the previous key opens its ticket")
        XCTAssertNotEqual(try XCTUnwrap(resumed.renewedKey), firstKey, "renewed with the new key")
        XCTAssertFalse(try handshake(port: daemon.port, saving: second).resumed)
        XCTAssertEqual(try TicketKeyFiles.ticketKeyName(ofSession: second), resumed.renewedKey)

        XCTAssertTrue(waitUntil(10) { count("ticket_keys_rotated", in: daemon) == rotations + 3 }, daemon.stderr())
        XCTAssertFalse(try handshake(port: daemon.port, offering: first).resumed, "two rotations later the first key is gone")
        XCTAssertTrue(try handshake(port: daemon.port, offering: second).resumed, "the previous key still opens its ticket")
        XCTAssertEqual(daemon.stop(), 0)
    }

}
