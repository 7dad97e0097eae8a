#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import XCTest
@testable import leadsd

/// `serve`'s options: parsing, checks, and how a bad value is reported.
final class MasterConfigurationTests: XCTestCase {
    private func configuration(_ arguments: [String], environment: [String: String] = ["DATABASE_URL": "postgresql://x@127.0.0.1/db"]) throws -> ServeConfiguration {
        let options = try ServeOptions.parse(arguments)
        return try ServeConfiguration(options: options, environment: { environment[$0] })
    }

    private func error(_ arguments: [String], environment: [String: String] = ["DATABASE_URL": "postgresql://x@127.0.0.1/db"]) -> String? {
        do {
            _ = try configuration(arguments, environment: environment)
            return nil
        } catch let error as ConfigurationError {
            return error.description
        } catch {
            return "\(error)"
        }
    }

    func testDefaults() throws {
        let configuration = try configuration(["--plain-http"])
        XCTAssertEqual(configuration.listen.description, "127.0.0.1:8443")
        XCTAssertEqual(configuration.metricsListen?.description, "127.0.0.1:9464")
        XCTAssertGreaterThanOrEqual(configuration.workers, 1)
        XCTAssertEqual(configuration.workers, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        XCTAssertEqual(configuration.api.rateLimit, 60)
        XCTAssertEqual(configuration.api.guestRateLimit, 30)
        XCTAssertEqual(configuration.api.loginRateLimit, 6)
        XCTAssertEqual(configuration.api.routePrefix, "crm")
        XCTAssertEqual(configuration.api.maxBodyBytes, 1 << 20)
        XCTAssertNil(configuration.api.tokenExpirationMinutes)
        XCTAssertEqual(configuration.shutdownTimeoutSeconds, 30)
        XCTAssertEqual(configuration.limits.headerTimeoutSeconds, 10)
        XCTAssertEqual(configuration.limits.idleTimeoutSeconds, 60)
        XCTAssertEqual(configuration.database.poolSize, 4)
        XCTAssertEqual(configuration.database.burstSize, 0)
        XCTAssertNil(configuration.tls)
    }

    func testFlagsAreTakenOver() throws {
        let configuration = try configuration([
            "--tls-cert", "/c.pem", "--tls-key", "/k.pem", "--tls-ticket-key", "/t.key", "--listen", "[::1]:9000",
            "--workers", "3", "--proxy-protocol", "--trusted-proxies", "10.0.0.0/8, 192.168.1.1,::1/128",
            "--metrics-listen", "off", "--rate-limit", "100", "--route-prefix", "api-crm", "--token-expiration", "1440",
            "--db-pool-size", "2", "--db-pool-burst", "6", "--shutdown-timeout", "5",
        ])
        XCTAssertEqual(configuration.listen, try ListenAddress(parsing: "[::1]:9000"))
        XCTAssertEqual(configuration.listen.family, .ipv6)
        XCTAssertNil(configuration.metricsListen)
        XCTAssertEqual(configuration.workers, 3)
        XCTAssertEqual(configuration.tls, .init(certificatePath: "/c.pem", keyPath: "/k.pem", ticketKeyPath: "/t.key"))
        XCTAssertEqual(configuration.trustedProxies, ["10.0.0.0/8", "192.168.1.1", "::1/128"])
        XCTAssertEqual(configuration.api.rateLimit, 100)
        XCTAssertEqual(configuration.api.routePrefix, "api-crm")
        XCTAssertEqual(configuration.api.tokenExpirationMinutes, 1440)
        XCTAssertEqual(configuration.database.poolSize, 2)
        XCTAssertEqual(configuration.database.burstSize, 6)
        XCTAssertEqual(configuration.shutdownTimeoutSeconds, 5)
    }

    func testBadValuesAreOneClearMessage() {
        XCTAssertEqual(error(["--plain-http"], environment: [:])?.hasPrefix("DATABASE_URL is not set"), true)
        XCTAssertEqual(error([])?.contains("--tls-cert and --tls-key are required"), true)
        XCTAssertEqual(error(["--tls-cert", "/c"])?.contains("go together"), true)
        XCTAssertEqual(error(["--plain-http", "--tls-cert", "/c", "--tls-key", "/k"])?.contains("exclude each other"), true)
        XCTAssertEqual(error(["--plain-http", "--workers=-1"]), "--workers (LEADSD_WORKERS): -1 is out of range 0-1024")
        XCTAssertEqual(error(["--plain-http", "--db-pool-burst", "300"]), "--db-pool-burst (LEADSD_DB_POOL_BURST): 300 is out of range 0-256")
        XCTAssertEqual(error(["--plain-http", "--listen", "example.com:80"])?.contains("numeric IPv4"), true)
        XCTAssertEqual(error(["--plain-http", "--listen", "127.0.0.1:99999"])?.contains("port must be"), true)
        XCTAssertEqual(error(["--plain-http", "--listen", "127.0.0.1"])?.contains("HOST:PORT"), true)
        XCTAssertEqual(error(["--plain-http", "--trusted-proxies", "10.0.0.0/33"])?.contains("'10.0.0.0/33' is not an address or CIDR"), true)
        XCTAssertEqual(error(["--plain-http", "--proxy-protocol"])?.contains("needs --trusted-proxies"), true)
        XCTAssertEqual(error(["--plain-http", "--route-prefix", "a/b"])?.contains("one path segment"), true)
        XCTAssertEqual(error(["--plain-http", "--rate-limit", "0"])?.contains("out of range"), true)
        XCTAssertEqual(error(["--plain-http", "--metrics-listen", "127.0.0.1:8443"]), "--metrics-listen must differ from --listen")
        XCTAssertEqual(error(["--plain-http", "--table-prefix", "crm;drop"])?.contains("only a-z"), true)
        XCTAssertEqual(error(["--plain-http", "--teams"])?.contains("teams mode (X-Team-ID) is not available"), true)
    }

    /// A prefix the lead statements cannot use is refused with the rule, here, rather than by a
    /// precondition in every worker at start (a crash loop of workers behind a master that runs).
    func testATablePrefixTheStatementsCannotUseIsRefused() throws {
        let long = String(repeating: "a", count: 33)
        XCTAssertEqual(error(["--plain-http", "--table-prefix", long]),
                       "--table-prefix (LEADSD_TABLE_PREFIX): at most 32 bytes, '\(long)' has 33")
        XCTAssertEqual(try configuration(["--plain-http", "--table-prefix", String(repeating: "b", count: 32)]).api.tablePrefix.count, 32)
        XCTAssertEqual(try configuration(["--plain-http", "--table-prefix", ""]).api.tablePrefix, "")
        XCTAssertEqual(error(["--plain-http", "--table-prefix", "CRM_"])?.contains("only a-z"), true)

        let daemon = DaemonProcess()
        XCTAssertThrowsError(try daemon.start(arguments: ["--table-prefix", long], waitForHealth: false, timeout: 10)) { error in
            XCTAssertTrue("\(error)".contains("leadsd: --table-prefix (LEADSD_TABLE_PREFIX): at most 32 bytes"), "\(error)")
        }
        XCTAssertFalse(daemon.stderr().contains("worker_started"), daemon.stderr())
    }

    func testTheStatementTimeoutIsConfigurable() throws {
        XCTAssertEqual(try configuration(["--plain-http"]).database.statementTimeoutMilliseconds, 5_000)
        let flagged = try configuration(["--plain-http", "--db-statement-timeout", "30"])
        XCTAssertEqual(flagged.database.statementTimeoutMilliseconds, 30_000)
        XCTAssertGreaterThan(flagged.database.requestDeadlineMilliseconds, 30_000,
                             "PostgreSQL cancels the statement (and frees the connection) before the pool gives up on it")
        setenv("LEADSD_DB_STATEMENT_TIMEOUT", "2", 1)
        defer { unsetenv("LEADSD_DB_STATEMENT_TIMEOUT") }
        XCTAssertEqual(try configuration(["--plain-http"]).database.statementTimeoutMilliseconds, 2_000)
        XCTAssertEqual(error(["--plain-http", "--db-statement-timeout", "0"]),
                       "--db-statement-timeout (LEADSD_DB_STATEMENT_TIMEOUT): 0 is out of range 1-3600")
    }

    func testAnUnparsableEnvironmentNumberIsReportedByItsName() {
        setenv("LEADSD_GUEST_RATE_LIMIT", "thirty", 1)
        defer { unsetenv("LEADSD_GUEST_RATE_LIMIT") }
        XCTAssertEqual(error(["--plain-http"]), "LEADSD_GUEST_RATE_LIMIT: not a whole number")
    }

    func testListenAddresses() throws {
        XCTAssertEqual(try ListenAddress(parsing: "localhost:80").host, "127.0.0.1")
        XCTAssertEqual(try ListenAddress(parsing: ":8443").host, "0.0.0.0")
        XCTAssertEqual(try ListenAddress(parsing: "[::]:8443").family, .ipv6)
        XCTAssertEqual(try ListenAddress(parsing: "0.0.0.0:0").port, 0)
        XCTAssertThrowsError(try ListenAddress(parsing: "[::1:8443"))
        XCTAssertThrowsError(try ListenAddress(parsing: "1.2.3:80"))
        XCTAssertThrowsError(try ListenAddress(parsing: "1.2.3.4:http"))
    }

    func testEnvironmentFileSyntax() throws {
        let pairs = try EnvironmentFile.parse("""
        # comment
        ; also a comment

          LEADSD_WORKERS = 4
        DATABASE_URL="postgresql://u:p@h/db?sslmode=require"
        LEADSD_USER_MODEL='App\\Models\\User'
        EMPTY=
        """)
        XCTAssertEqual(pairs.map(\.0), ["LEADSD_WORKERS", "DATABASE_URL", "LEADSD_USER_MODEL", "EMPTY"])
        XCTAssertEqual(pairs.map(\.1), ["4", "postgresql://u:p@h/db?sslmode=require", "App\\Models\\User", ""])
        XCTAssertThrowsError(try EnvironmentFile.parse("JUST TEXT"))
        XCTAssertThrowsError(try EnvironmentFile.parse("BAD-NAME=1"))
    }

    /// The real binary: a bad value is one line on stderr, exit status 64, no stack trace.
    func testTheBinaryReportsABadValueOnOneLine() throws {
        let cases: [([String], [String: String], String)] = [
            (["serve", "--plain-http"], [:], "leadsd: DATABASE_URL is not set"),
            (["serve", "--plain-http", "--workers", "5000"], ["DATABASE_URL": "x"], "leadsd: --workers (LEADSD_WORKERS): 5000 is out of range"),
            (["serve", "--plain-http"], ["DATABASE_URL": "x", "LEADSD_WORKERS": "many"], "leadsd: LEADSD_WORKERS: not a whole number"),
            (["serve", "--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem", "--listen", "127.0.0.1:0", "--metrics-listen", "off"],
             ["DATABASE_URL": "x"], "leadsd: "),
            (["serve", "--plain-http", "--listen", "192.0.2.1:8443", "--metrics-listen", "off"], ["DATABASE_URL": "x"], "leadsd: cannot listen on 192.0.2.1:8443"),
            (["serve", "--plain-http", "--env-file", "/nonexistent/leadsd.env"], ["DATABASE_URL": "x"], "leadsd: --env-file /nonexistent/leadsd.env: No such file"),
        ]
        for (arguments, environment, expected) in cases {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: DaemonProcess.binaryPath)
            process.arguments = arguments
            process.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { a, _ in a }
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 64, "\(arguments): \(text)")
            XCTAssertTrue(text.hasPrefix(expected), "\(arguments): \(text)")
            if arguments.contains("/nonexistent/cert.pem") {
                XCTAssertTrue(text.contains("/nonexistent/cert.pem") && text.contains("No such file"), text)
            }
            XCTAssertEqual(text.split(separator: "\n").count, 1, "one line: \(text)")
        }
    }
}
