#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import XCTest
@testable import leadsd

/// `serve`'s app key settings (contract §2c): APP_KEY, APP_PREVIOUS_KEYS, --app-key-file.
final class AppKeyConfigurationTests: XCTestCase {
    private let url = ["DATABASE_URL": "postgresql://x@127.0.0.1/db"]
    private let key = LaravelCiphertext.newKey()
    private let previous = LaravelCiphertext.newKey()
    private var files: [String] = []

    override func tearDown() {
        for file in files { unlink(file) }
        unsetenv("CREDENTIALS_DIRECTORY")
    }

    private func configuration(_ arguments: [String] = [], _ environment: [String: String]) throws -> ServeConfiguration {
        let options = try ServeOptions.parse(["--plain-http"] + arguments)
        let all = url.merging(environment) { $1 }
        return try ServeConfiguration(options: options, environment: { all[$0] })
    }

    private func error(_ arguments: [String] = [], _ environment: [String: String]) -> String? {
        do {
            _ = try configuration(arguments, environment)
            return nil
        } catch {
            return "\(error)"
        }
    }

    private func keyFile(_ text: String, mode: mode_t = 0o600) throws -> String {
        let path = NSTemporaryDirectory() + "leadsd-app-key-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, mode)
        files.append(path)
        return path
    }

    func testNoKeyByDefault() throws {
        XCTAssertNil(try configuration([], [:]).api.appKeys)
        XCTAssertNil(try configuration([], ["APP_KEY": ""]).api.appKeys)
    }

    func testTheEnvironmentVariables() throws {
        let keys = try XCTUnwrap(try configuration([], [
            "APP_KEY": LaravelCiphertext.appKey(key), "APP_PREVIOUS_KEYS": LaravelCiphertext.appKey(previous),
        ]).api.appKeys)
        XCTAssertEqual(keys.all, [key, previous])
    }

    func testTheKeyFileWithATrailingNewlineAndPreviousKeys() throws {
        let one = try keyFile(LaravelCiphertext.appKey(key) + "\n")
        XCTAssertEqual(try configuration(["--app-key-file", one], [:]).api.appKeys?.all, [key])
        let two = try keyFile(LaravelCiphertext.appKey(key) + "\r\n\n" + LaravelCiphertext.appKey(previous) + "\r\n")
        XCTAssertEqual(try configuration(["--app-key-file", two], [:]).api.appKeys?.all, [key, previous])
        // Previous keys may also come from the environment when the file holds one key.
        XCTAssertEqual(try configuration(["--app-key-file", one], ["APP_PREVIOUS_KEYS": LaravelCiphertext.appKey(previous)]).api.appKeys?.all,
                       [key, previous])
    }

    func testBadSettingsAreOneMessageThatNeverShowsTheKey() throws {
        let readable = try keyFile(LaravelCiphertext.appKey(key), mode: 0o640)
        let empty = try keyFile("\n\n")
        let wrong = try keyFile("base64:" + Data(repeating: 1, count: 20).base64EncodedString())
        let two = try keyFile(LaravelCiphertext.appKey(key) + "\n" + LaravelCiphertext.appKey(previous))
        let cases: [([String], [String: String], String)] = [
            ([], ["APP_KEY": "base64:" + Data(repeating: 9, count: 31).base64EncodedString()], "APP_KEY: the key is 31 bytes"),
            ([], ["APP_KEY": "base64:@@@@"], "APP_KEY: what follows 'base64:' is not base64"),
            ([], ["APP_PREVIOUS_KEYS": LaravelCiphertext.appKey(previous)], "APP_PREVIOUS_KEYS is set but APP_KEY is not"),
            ([], ["APP_KEY": LaravelCiphertext.appKey(key), "APP_PREVIOUS_KEYS": "0123456789abcdef"],
             "APP_PREVIOUS_KEYS (key 1): 16 bytes, but APP_KEY has 32"),
            (["--app-key-file", readable], [:],
             "--app-key-file \(readable): permissions 0640 are too open: a key must not be accessible by group or others (chmod 600 it, or pass --allow-readable-key)"),
            (["--app-key-file", "/nonexistent/app-key"], [:], "--app-key-file /nonexistent/app-key: No such file"),
            (["--app-key-file", empty], [:], "--app-key-file \(empty): holds no key"),
            (["--app-key-file", wrong], [:], "--app-key-file \(wrong): the key is 20 bytes"),
            (["--app-key-file", two], ["APP_PREVIOUS_KEYS": LaravelCiphertext.appKey(previous)],
             "--app-key-file \(two) holds previous keys and APP_PREVIOUS_KEYS is set too"),
            (["--app-key-file", two], ["APP_KEY": LaravelCiphertext.appKey(key)],
             "APP_KEY and --app-key-file \(two) (LEADSD_APP_KEY_FILE, or the app-key credential) exclude each other: give the key in one place"),
        ]
        for (arguments, environment, expected) in cases {
            let message = error(arguments, environment)
            XCTAssertTrue(message?.hasPrefix(expected) == true, "\(expected) ← \(message ?? "accepted")")
            for secret in [key, previous] {
                XCTAssertFalse(message?.contains(Data(secret).base64EncodedString()) == true, message ?? "")
            }
        }
    }

    /// The key file is held to the TLS key's rule (KeyFilePermissions): --allow-readable-key
    /// accepts a file its group may read, and a systemd credential's group bits (the mode of
    /// its ACL's mask) do not count, its others bits do.
    func testTheKeyFileFollowsTheKeyPermissionRule() throws {
        let readable = try keyFile(LaravelCiphertext.appKey(key), mode: 0o640)
        XCTAssertEqual(try configuration(["--app-key-file", readable, "--allow-readable-key"], [:]).api.appKeys?.all, [key])
        let credential = try keyFile(LaravelCiphertext.appKey(key), mode: 0o440)
        setenv("CREDENTIALS_DIRECTORY", (credential as NSString).deletingLastPathComponent, 1)
        XCTAssertEqual(try configuration(["--app-key-file", credential], [:]).api.appKeys?.all, [key])
        chmod(credential, 0o444)
        XCTAssertTrue(error(["--app-key-file", credential], [:])?.contains("permissions 0444 are too open") == true)
    }

    /// The `app-key` credential stands in for LEADSD_APP_KEY_FILE: the variable gets its path.
    func testTheAppKeyCredentialIsTheKeyFile() throws {
        let app = try XCTUnwrap(SystemdCredentials.all.first { $0.name == "app-key" })
        XCTAssertEqual(app.variable, "LEADSD_APP_KEY_FILE")
        let directory = NSTemporaryDirectory() + "leadsd-app-key-credentials-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        XCTAssertEqual(mkdir(directory, 0o700), 0)
        let credential = directory + "/app-key"
        defer { unlink(credential); rmdir(directory) }
        try (LaravelCiphertext.appKey(key) + "\n").write(toFile: credential, atomically: false, encoding: .utf8)
        chmod(credential, 0o400)
        setenv("CREDENTIALS_DIRECTORY", directory, 1)
        XCTAssertEqual(try SystemdCredentials.value(of: app), credential)
        XCTAssertEqual(try configuration(["--app-key-file", credential], [:]).api.appKeys?.all, [key])
    }

    /// The real binary: a malformed key is one line on stderr, exit 64, and the key is not in it.
    func testTheBinaryRefusesAMalformedKey() throws {
        let secret = "base64:" + Data(LaravelCiphertext.newKey(bytes: 24)).base64EncodedString()
        let result = try runTool(DaemonProcess.binaryPath, ["serve", "--plain-http", "--metrics-listen", "off", "--listen", "127.0.0.1:0"],
                                 environment: ["PATH": "/usr/bin:/bin", "DATABASE_URL": "postgresql://x@127.0.0.1:1/db", "APP_KEY": secret])
        XCTAssertEqual(result.status, 64, result.output)
        XCTAssertEqual(result.output, "leadsd: APP_KEY: the key is 24 bytes; Laravel's keys are 32 bytes for AES-256 (base64:… as php artisan key:generate writes it) or 16 for AES-128\n")
        XCTAssertFalse(result.output.contains(secret.dropFirst(7)))
    }
}
