#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import XCTest
@testable import leadsd

/// Key files readable by group or others are refused at start, as OpenSSH refuses them.
final class KeyFilePermissionsTests: XCTestCase {
    private var certificate: TestCertificate!

    override func setUpWithError() throws { certificate = try TestCertificate(commonName: "perm.test") }
    override func tearDown() { certificate?.remove(); unsetenv("CREDENTIALS_DIRECTORY") }

    private func serve(_ extra: [String] = []) throws -> LeadsdProcess.Outcome {
        try LeadsdProcess.run(["serve", "--tls-cert", certificate.path, "--tls-key", certificate.keyPath,
                               "--listen", "127.0.0.1:0", "--metrics-listen", "off"] + extra,
                              environment: ["DATABASE_URL": "postgresql://x@127.0.0.1:1/x"])
    }

    func testAGroupOrWorldReadableKeyIsRefusedWithOneLine() throws {
        for mode in [0o640, 0o604, 0o644] {
            chmod(certificate.keyPath, mode_t(mode))
            let outcome = try serve()
            XCTAssertEqual(outcome.status, 64, outcome.stderr)
            XCTAssertEqual(outcome.stderr.filter { $0 == "\n" }.count, 1, outcome.stderr)
            XCTAssertTrue(outcome.stderr.contains("--tls-key \(certificate.keyPath): permissions 0\(String(mode, radix: 8)) are too open"),
                          outcome.stderr)
            XCTAssertTrue(outcome.stderr.contains("--allow-readable-key"), outcome.stderr)
        }
    }

    func testAllowReadableKeyAcceptsIt() throws {
        chmod(certificate.keyPath, 0o644)
        let options = try ServeOptions.parse(["--tls-cert", certificate.path, "--tls-key", certificate.keyPath, "--allow-readable-key"])
        XCTAssertNoThrow(try ServeConfiguration(options: options, environment: { $0 == "DATABASE_URL" ? "postgresql://x@h/db" : nil }))
        let refused = try ServeOptions.parse(["--tls-cert", certificate.path, "--tls-key", certificate.keyPath])
        XCTAssertThrowsError(try ServeConfiguration(options: refused, environment: { $0 == "DATABASE_URL" ? "postgresql://x@h/db" : nil }))
    }

    func testAnOwnerOnlyKeyIsAccepted() throws {
        for mode in [0o600, 0o400] {
            chmod(certificate.keyPath, mode_t(mode))
            let options = try ServeOptions.parse(["--tls-cert", certificate.path, "--tls-key", certificate.keyPath])
            XCTAssertNoThrow(try ServeConfiguration(options: options, environment: { $0 == "DATABASE_URL" ? "postgresql://x@h/db" : nil }))
        }
    }

    /// systemd writes a credential 0400 and grants the service's user read access by ACL,
    /// which `stat` shows as group bits (0440): that is no group-readable key.
    func testACredentialsGroupBitsAreTheACLMaskAndAccepted() throws {
        setenv("CREDENTIALS_DIRECTORY", certificate.directory, 1)
        chmod(certificate.keyPath, 0o440)
        XCTAssertNoThrow(try KeyFilePermissions.check(certificate.keyPath, flag: "--tls-key"))
        chmod(certificate.keyPath, 0o444)
        XCTAssertThrowsError(try KeyFilePermissions.check(certificate.keyPath, flag: "--tls-key"), "others may read it")
        unsetenv("CREDENTIALS_DIRECTORY")
        chmod(certificate.keyPath, 0o440)
        XCTAssertThrowsError(try KeyFilePermissions.check(certificate.keyPath, flag: "--tls-key"), "outside the credentials folder")
    }
}
