#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import XCTest
@testable import leadsd

/// Credentials and environment files layered into the process environment, at start and
/// on every reload: what a file stops saying goes back to what the process inherited.
final class SettingsLayersTests: XCTestCase {
    private var directory = ""
    private let variables = ["LEADSD_LAYER_TEST_A", "LEADSD_LAYER_TEST_B", "LEADSD_LAYER_TEST_C", "DATABASE_URL",
                             "LEADSD_TLS_CERT", "LEADSD_TLS_KEY", "CREDENTIALS_DIRECTORY"]
    private var saved: [String: String?] = [:]

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "leadsd-layers-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory + "/credentials", withIntermediateDirectories: true)
        for name in variables { saved[name] = getenv(name).map { String(cString: $0) }; unsetenv(name) }
    }

    override func tearDownWithError() throws {
        unsetenv("CREDENTIALS_DIRECTORY")
        try SettingsLayers.apply(envFile: nil)  // the layers forget what they set
        for (name, value) in saved { if let value { setenv(name, value, 1) } else { unsetenv(name) } }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func value(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

    private func write(_ text: String, _ name: String, mode: Int = 0o600) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, mode_t(mode))
        return path
    }

    func testAKeyRemovedFromTheFileGoesBackToItsInheritedValueOrIsUnset() throws {
        setenv("LEADSD_LAYER_TEST_A", "inherited", 1)
        let file = try write("LEADSD_LAYER_TEST_A=from-file\nLEADSD_LAYER_TEST_B=from-file\n", "settings.env")
        try SettingsLayers.apply(envFile: file)
        XCTAssertEqual(value("LEADSD_LAYER_TEST_A"), "from-file", "the file wins over the environment")
        XCTAssertEqual(value("LEADSD_LAYER_TEST_B"), "from-file")

        _ = try write("LEADSD_LAYER_TEST_C=new\n", "settings.env")
        try SettingsLayers.apply(envFile: file)
        XCTAssertEqual(value("LEADSD_LAYER_TEST_A"), "inherited", "removed from the file: the inherited value again")
        XCTAssertNil(value("LEADSD_LAYER_TEST_B"), "removed from the file and never inherited: unset")
        XCTAssertEqual(value("LEADSD_LAYER_TEST_C"), "new")
        XCTAssertEqual(SettingsLayers.inheritedValue("LEADSD_LAYER_TEST_C"), nil)
    }

    func testCredentialsStandInForUnsetVariablesOnly() throws {
        _ = try write("postgresql://u:secret@db/crm\n", "credentials/database-url", mode: 0o400)
        _ = try write("not read", "credentials/tls-key", mode: 0o400)
        setenv("CREDENTIALS_DIRECTORY", directory + "/credentials", 1)
        setenv("LEADSD_TLS_CERT", "/etc/explicit.pem", 1)
        try SettingsLayers.apply(envFile: nil)
        XCTAssertEqual(value("DATABASE_URL"), "postgresql://u:secret@db/crm", "the text, without its newline")
        XCTAssertEqual(value("LEADSD_TLS_KEY"), directory + "/credentials/tls-key", "the path, for files leadsd reads")
        XCTAssertEqual(value("LEADSD_TLS_CERT"), "/etc/explicit.pem", "a variable given wins over a credential")

        // The env credential layers above the environment, and --env-file above it.
        _ = try write("DATABASE_URL=postgresql://from-env-credential/crm\nLEADSD_LAYER_TEST_A=credential\n", "credentials/env", mode: 0o400)
        let file = try write("LEADSD_LAYER_TEST_A=file\n", "settings.env")
        try SettingsLayers.apply(envFile: file)
        XCTAssertEqual(value("DATABASE_URL"), "postgresql://from-env-credential/crm")
        XCTAssertEqual(value("LEADSD_LAYER_TEST_A"), "file")

        // Credentials gone (a restart without them): what they set goes away too.
        unsetenv("CREDENTIALS_DIRECTORY")
        try SettingsLayers.apply(envFile: nil)
        XCTAssertNil(value("DATABASE_URL"))
        XCTAssertNil(value("LEADSD_TLS_KEY"))
        XCTAssertNil(value("LEADSD_LAYER_TEST_A"))
        XCTAssertEqual(value("LEADSD_TLS_CERT"), "/etc/explicit.pem")
    }

    func testAnUnreadableCredentialIsOneLineNamingIt() throws {
        let credentials = directory + "/credentials"
        _ = try write("x", "credentials/database-url", mode: 0o000)
        setenv("CREDENTIALS_DIRECTORY", credentials, 1)
        guard getuid() != 0 else {
            // root reads a 0000 file; an unreadable credential then is a folder in its place.
            try FileManager.default.removeItem(atPath: credentials + "/database-url")
            try FileManager.default.createDirectory(atPath: credentials + "/env", withIntermediateDirectories: false)
            XCTAssertNoThrow(try SettingsLayers.apply(envFile: nil), "a folder is no credential file")
            return
        }
        XCTAssertThrowsError(try SettingsLayers.apply(envFile: nil)) { error in
            XCTAssertTrue("\(error)".contains("credential database-url"), "\(error)")
        }
    }

    /// The reload the issue asked about: a proxy removed from LEADSD_TRUSTED_PROXIES in the
    /// environment file is no longer believed once the daemon reloads.
    func testAProxyRemovedFromTheFileIsNoLongerTrustedAfterSIGHUP() throws {
        let file = try write("LEADSD_TRUSTED_PROXIES=127.0.0.1/32\n", "leadsd.env", mode: 0o644)
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "1", "--env-file", file])
        let forwarded = ["X-Forwarded-For": "198.51.100.77"]
        XCTAssertEqual(daemon.request("/healthz", headers: forwarded)?.status, 200)
        XCTAssertTrue(waitUntil(5) { daemon.stdout().contains("\"client_ip\":\"198.51.100.77\"") }, daemon.stdout())

        _ = try write("# nobody is trusted now\n", "leadsd.env", mode: 0o644)
        daemon.signal(SIGHUP)
        XCTAssertTrue(waitUntil(15) { daemon.stderr().contains("\"reloaded\"") }, daemon.stderr())
        let before = daemon.stdout().components(separatedBy: "\n").count
        for _ in 0..<5 { XCTAssertEqual(daemon.request("/healthz", headers: forwarded)?.status, 200) }
        XCTAssertTrue(waitUntil(5) { daemon.stdout().components(separatedBy: "\n").count >= before + 5 })
        let after = daemon.stdout().components(separatedBy: "\n").dropFirst(before - 1).filter { !$0.isEmpty }
        XCTAssertEqual(after.count, 5, daemon.stdout())
        XCTAssertTrue(after.allSatisfy { $0.contains("\"client_ip\":\"127.0.0.1\"") }, "\(after)")
        XCTAssertEqual(daemon.stop(), 0)
    }
}
