#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import XCTest

/// What systemd sees: sd_notify datagrams, socket activation, and the units in deploy/.
final class LifecycleSystemdTests: XCTestCase {
    /// A datagram socket standing in for systemd's notify socket.
    private final class NotifySocket {
        let fd: Int32
        let address: String  // as NOTIFY_SOCKET: a path, or @name for the abstract namespace
        private var path: String?

        init(abstract: Bool) throws {
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            let name = "leadsd-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            var target = sockaddr_un()
            target.sun_family = sa_family_t(AF_UNIX)
            let bytes: [UInt8]
            if abstract {
                address = "@" + name
                bytes = [0] + Array(name.utf8)
            } else {
                address = NSTemporaryDirectory() + name
                path = address
                bytes = Array(address.utf8) + [0]
            }
            withUnsafeMutableBytes(of: &target.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
            let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count - (abstract ? 0 : 1))
            let bound = withUnsafePointer(to: &target) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
            guard bound == 0 else { throw DaemonProcess.Failure("bind notify socket: \(String(cString: strerror(errno)))") }
            var limit = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit {
            close(fd)
            if let path { unlink(path) }
        }

        /// Every message received until `condition` holds for the whole list, or the timeout.
        func receive(until timeout: TimeInterval, _ condition: ([String]) -> Bool) -> [String] {
            var messages: [String] = []
            let deadline = Date().addingTimeInterval(timeout)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date() < deadline, !condition(messages) {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 { messages.append(String(decoding: buffer[0..<count], as: UTF8.self)) }
            }
            return messages
        }
    }

    private func exerciseNotify(abstract: Bool) throws {
        let notify = try NotifySocket(abstract: abstract)
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "2"], environment: ["NOTIFY_SOCKET": notify.address, "WATCHDOG_USEC": "400000"])
        var messages = notify.receive(until: 10) { list in
            list.contains { $0.contains("READY=1") } && list.filter { $0 == "WATCHDOG=1" }.count >= 2
        }
        let ready = try XCTUnwrap(messages.first { $0.contains("READY=1") }, "\(messages)")
        XCTAssertTrue(ready.contains("MAINPID=\(daemon.pid)"), ready)
        XCTAssertGreaterThanOrEqual(messages.filter { $0 == "WATCHDOG=1" }.count, 2, "watchdog at half of WATCHDOG_USEC: \(messages)")

        daemon.signal(SIGHUP)
        messages = notify.receive(until: 10) { list in
            guard let reloading = list.firstIndex(where: { $0.hasPrefix("RELOADING=1") }) else { return false }
            return list[reloading...].contains { $0.hasPrefix("READY=1") }
        }
        let reloading = try XCTUnwrap(messages.first { $0.hasPrefix("RELOADING=1") }, "\(messages)")
        XCTAssertNotNil(reloading.range(of: #"MONOTONIC_USEC=[0-9]+"#, options: .regularExpression), reloading)
        XCTAssertTrue(messages.contains { $0.hasPrefix("READY=1") }, "\(messages)")

        daemon.signal(SIGTERM)
        messages = notify.receive(until: 10) { $0.contains("STOPPING=1") }
        XCTAssertTrue(messages.contains("STOPPING=1"), "\(messages)")
        XCTAssertEqual(daemon.waitForExit(timeout: 20), 0)
    }

    func testNotifiesReadyReloadingStoppingAndWatchdogOnAPathSocket() throws {
        try exerciseNotify(abstract: false)
    }

    func testNotifiesOnAnAbstractSocket() throws {
        try exerciseNotify(abstract: true)
    }

    /// Workers that die as they start never make the master report READY=1, not even once the
    /// start-up wait is over (systemd then fails the start, as it should, instead of counting a
    /// daemon that serves nothing as started). A reload that fixes the workers brings READY=1.
    func testNoReadyWhileTheWorkersCrashLoop() throws {
        let notify = try NotifySocket(abstract: true)
        let envFile = NSTemporaryDirectory() + "leadsd-crashloop-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).env"
        defer { unlink(envFile) }
        try "LEADSD_TEST_WORKER_EXIT=1\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "2", "--env-file", envFile],
                         environment: ["NOTIFY_SOCKET": notify.address, "LEADSD_TEST_STARTUP_WAIT_MS": "1000"], waitForHealth: false)
        let early = notify.receive(until: 4) { list in list.contains { $0.contains("READY=1") } }
        XCTAssertFalse(early.contains { $0.contains("READY=1") }, "READY while every worker dies: \(early)")
        XCTAssertFalse(daemon.stderr().contains("\"event\":\"ready\""), daemon.stderr())
        XCTAssertTrue(daemon.stderr().contains("\"start_stalled\""), daemon.stderr())

        // A reload that fails leaves the master as it was: not ready.
        try "LEADSD_TEST_WORKER_EXIT=1\nLEADSD_RATE_LIMIT=many\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        let failed = notify.receive(until: 2) { list in list.contains { $0.contains("READY=1") } }
        XCTAssertTrue(daemon.stderr().contains("\"reload_failed\""), daemon.stderr())
        XCTAssertFalse(failed.contains { $0.contains("READY=1") }, "READY after a failed reload of a stalled start: \(failed)")

        try "LEADSD_TEST_WORKER_EXIT=0\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        let later = notify.receive(until: 10) { list in list.contains { $0.contains("READY=1") } }
        let ready = try XCTUnwrap(later.first { $0.contains("READY=1") }, "a reload that fixes the workers reports READY: \(later) \(daemon.stderr())")
        XCTAssertTrue(ready.contains("MAINPID=\(daemon.pid)"), ready)
        XCTAssertEqual(daemon.request("/healthz")?.status, 200)
        XCTAssertEqual(daemon.stop(), 0)
    }

    /// A listening socket on a kernel-chosen loopback port, as systemd would pass it.
    private func listeningSocket() -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        XCTAssertEqual(listen(fd, 64), 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    func testTakesTheListeningSocketsFromSystemd() throws {
        let api = listeningSocket(), metrics = listeningSocket()
        defer { close(api.fd); close(metrics.fd) }
        let daemon = DaemonProcess()
        // LISTEN_PID must be the daemon's own pid: the shell's, which then execs it.
        try daemon.start(
            arguments: ["--workers", "2"],
            viaShell: "LISTEN_PID=$$ LISTEN_FDS=2 LISTEN_FDNAMES=api:metrics; export LISTEN_PID LISTEN_FDS LISTEN_FDNAMES;",
            inheritFDs: [api.fd, metrics.fd]
        )
        XCTAssertEqual(daemon.port, api.port, "the daemon serves on the socket it was given")
        XCTAssertEqual(daemon.metricsPort, metrics.port, "the socket named metrics serves /metrics")
        XCTAssertTrue(daemon.stderr().contains("\"socket_activation\""))
        for _ in 0..<10 { XCTAssertEqual(daemon.request("/healthz")?.status, 200) }
        XCTAssertEqual(daemon.request("/metrics", port: metrics.port)?.status, 200)
        XCTAssertEqual(daemon.stop(), 0)
    }

    func testIgnoresListenFDsMeantForAnotherProcess() throws {
        let api = listeningSocket()
        defer { close(api.fd) }
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "1"], viaShell: "LISTEN_PID=1 LISTEN_FDS=1; export LISTEN_PID LISTEN_FDS;", inheritFDs: [api.fd])
        XCTAssertNotEqual(daemon.port, api.port, "it binds --listen itself")
        XCTAssertFalse(daemon.stderr().contains("\"socket_activation\""))
        XCTAssertEqual(daemon.request("/healthz")?.status, 200)
        XCTAssertEqual(daemon.stop(), 0)
    }

    private var deployDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("deploy")
    }

    /// `systemd-analyze verify` on the units (with ExecStart pointed at the built binary,
    /// since verify checks that the executable exists; deploy/test-deb verifies the units
    /// as installed, with the binary at /usr/bin/leadsd), and `systemd-analyze security
    /// --offline=yes` at 2.0 or less. Needs the `systemd` package.
    func testSystemdUnitsVerifyAndTheServiceIsHardened() throws {
        let analyzer = "/usr/bin/systemd-analyze"
        guard FileManager.default.isExecutableFile(atPath: analyzer) else {
            return XCTFail("systemd-analyze is missing: apt-get install systemd")
        }
        let scratch = NSTemporaryDirectory() + "leadsd-units-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for unit in ["leadsd.service", "leadsd.socket"] {
            let text = try String(contentsOf: deployDirectory.appendingPathComponent(unit), encoding: .utf8)
            try text.replacingOccurrences(of: "/usr/bin/leadsd", with: DaemonProcess.binaryPath)
                .write(toFile: scratch + "/" + unit, atomically: true, encoding: .utf8)
        }
        let service = try String(contentsOf: deployDirectory.appendingPathComponent("leadsd.service"), encoding: .utf8)
        for required in ["Type=notify", "Restart=on-failure", "DynamicUser=yes", "ProtectSystem=strict", "ProtectHome=yes",
                         "PrivateTmp=yes", "NoNewPrivileges=yes", "\nCapabilityBoundingSet=\n", "LimitNOFILE=",
                         "ExecStart=/usr/bin/leadsd serve\n", "Environment=LEADSD_ENV_FILE=/etc/leadsd/leadsd.env\n",
                         "\nLoadCredential=database-url:/etc/leadsd/credentials/database-url\n",
                         "\nLoadCredential=tls-cert:/etc/leadsd/credentials/tls-cert\n",
                         "\nLoadCredential=tls-key:/etc/leadsd/credentials/tls-key\n",
                         "\nLoadCredential=env:/etc/leadsd/credentials/env\n", "\nSetCredential=env:",
                         "\nMemoryMax=", "\nTasksMax=",
                         "ExecReload=/bin/kill -HUP $MAINPID", "WatchdogSec=", "KillMode=mixed"] {
            XCTAssertTrue(service.contains(required), "leadsd.service lacks \(required)")
        }
        // systemd, as root, reads the secrets; the dynamic user reads only the settings file.
        XCTAssertFalse(service.contains("\nEnvironmentFile="), "the master re-reads LEADSD_ENV_FILE itself on reload")
        let (status, text) = try runTool(analyzer, ["verify", "--man=no", scratch + "/leadsd.service", scratch + "/leadsd.socket"])
        XCTAssertEqual(status, 0, text)
        let complaints = text.split(separator: "\n").filter { $0.contains("leadsd") }
        XCTAssertEqual(complaints, [], "systemd-analyze complains about the units")

        let security = try runTool(analyzer, ["security", "--offline=yes", "--threshold=20", scratch + "/leadsd.service"])
        let overall = try XCTUnwrap(security.output.split(separator: "\n").last { $0.contains("Overall exposure level") }, security.output)
        print("systemd-analyze security --offline=yes: \(overall)")
        let score = try XCTUnwrap(overall.split(separator: " ").compactMap { Double($0) }.first, String(overall))
        XCTAssertLessThanOrEqual(score, 2.0, String(overall))
        XCTAssertEqual(security.status, 0, "--threshold=20 (2.0): \(security.output)")
    }

    /// `haproxy -c` accepts deploy/haproxy.cfg (the CA file path swapped for one that
    /// exists here). Needs the `haproxy` package.
    func testHAProxyConfigurationIsValid() throws {
        let haproxy = ["/usr/sbin/haproxy", "/usr/bin/haproxy"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let haproxy else { return XCTFail("haproxy is missing: apt-get install haproxy") }
        let text = try String(contentsOf: deployDirectory.appendingPathComponent("haproxy.cfg"), encoding: .utf8)
        for required in ["mode tcp", "send-proxy-v2", "uri /readyz", "check-ssl"] {
            XCTAssertTrue(text.contains(required), "haproxy.cfg lacks \(required)")
        }
        let ca = NSTemporaryDirectory() + "leadsd-haproxy-ca-\(getpid()).pem"
        let config = NSTemporaryDirectory() + "leadsd-haproxy-\(getpid()).cfg"
        defer { unlink(ca); unlink(config) }
        // Any valid certificate will do as the CA file for a syntax check.
        let certificate = try XCTUnwrap(try? String(contentsOfFile: "/etc/ssl/certs/ca-certificates.crt", encoding: .utf8),
                                        "ca-certificates is missing")
        try certificate.write(toFile: ca, atomically: true, encoding: .utf8)
        try text.replacingOccurrences(of: "/etc/haproxy/leadsd-ca.pem", with: ca).write(toFile: config, atomically: true, encoding: .utf8)
        let result = try runTool(haproxy, ["-c", "-f", config])
        XCTAssertEqual(result.status, 0, result.output)
    }

    /// Every variable the daemon reads appears in deploy/leadsd.env.
    func testEnvironmentTemplateListsEveryVariable() throws {
        let template = try String(contentsOf: deployDirectory.appendingPathComponent("leadsd.env"), encoding: .utf8)
        // The flags' variables (ServeOptions) and those read without a flag (ServeConfiguration).
        let serve = deployDirectory.deletingLastPathComponent().appendingPathComponent("Sources/leadsd/Serve")
        let options = try ["ServeOptions.swift", "ServeConfiguration.swift"].map {
            try String(contentsOf: serve.appendingPathComponent($0), encoding: .utf8)
        }.joined(separator: "\n")
        let regex = try NSRegularExpression(pattern: #""((?:LEADSD|APP)_[A-Z_]+)""#)
        let names = Set(regex.matches(in: options, range: NSRange(options.startIndex..., in: options)).compactMap {
            Range($0.range(at: 1), in: options).map { String(options[$0]) }
        })
        XCTAssertGreaterThan(names.count, 20)
        XCTAssertTrue(names.isSuperset(of: ["APP_KEY", "APP_PREVIOUS_KEYS", "LEADSD_APP_KEY_FILE"]), "\(names)")
        for name in names.union(["DATABASE_URL"]) {
            XCTAssertTrue(template.contains("\(name)="), "leadsd.env does not document \(name)")
        }
    }
}
