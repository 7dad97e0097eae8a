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
}
