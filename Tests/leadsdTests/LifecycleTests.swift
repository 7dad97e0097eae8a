#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import XCTest

/// The process model over real loopback sockets: fork, respawn, drain, reload.
final class LifecycleTests: XCTestCase {
    private func temporaryFile(_ name: String) -> String {
        NSTemporaryDirectory() + "leadsd-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    func testMasterHasExactlyOneThreadAtEveryFork() throws {
        let report = temporaryFile("threads")
        defer { unlink(report) }
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "3"], environment: ["LEADSD_TEST_REPORT_THREADS": report])
        // A respawn and a reload fork again, after the master has lived a while.
        let first = try XCTUnwrap(daemon.workerPIDs().first)
        kill(first, SIGKILL)
        XCTAssertTrue(waitUntil(15) { daemon.workerPIDs().count == 3 && !daemon.workerPIDs().contains(first) })
        daemon.signal(SIGHUP)
        XCTAssertTrue(waitUntil(10) { daemon.stderr().contains("\"reloaded\"") })
        XCTAssertEqual(daemon.stop(), 0)
        let counts = try String(contentsOfFile: report, encoding: .utf8).split(separator: "\n")
        XCTAssertGreaterThanOrEqual(counts.count, 7, "3 workers, 1 respawn, 3 after reload")
        XCTAssertEqual(Set(counts), ["1"], "thread counts of the master at fork: \(counts)")
    }

    func testTheWaitingMasterStaysSingleThreaded() throws {
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "2"])
        for _ in 0..<20 { _ = daemon.request("/healthz") }
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.pid)/task")
        XCTAssertEqual(tasks.count, 1, "master threads: \(tasks)")
        for worker in daemon.workerPIDs() {
            let workerTasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(worker)/task")) ?? []
            XCTAssertGreaterThan(workerTasks.count, 1, "workers run Dispatch")
        }
        XCTAssertEqual(daemon.stop(), 0)
    }

    func testAKilledWorkerIsReplacedWithinTwoSecondsWhileClientsKeepBeingServed() throws {
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "2"])
        let before = daemon.workerPIDs()
        XCTAssertEqual(before.count, 2)
        let loop = LifecycleClientLoop(port: daemon.port)
        loop.start()
        usleep(300_000)
        let victim = try XCTUnwrap(before.first)
        let killedAt = Date()
        kill(victim, SIGKILL)
        let replaced = waitUntil(2) {
            let now = daemon.workerPIDs()
            return now.count == 2 && !now.contains(victim)
        }
        let replacedAfter = Date().timeIntervalSince(killedAt)
        XCTAssertTrue(replaced, "worker not replaced within 2 s: \(daemon.workerPIDs())")
        let successesAtReplacement = loop.successCount
        usleep(500_000)
        let (successes, failures) = loop.stop()
        XCTAssertGreaterThan(successes, successesAtReplacement, "clients are served after the replacement")
        // Only a request the killed worker had already accepted can be lost with it.
        XCTAssertLessThanOrEqual(failures.count, 2, "failures: \(failures)")
        XCTAssertTrue(daemon.stderr().contains("\"worker_died\""))
        let metrics = try XCTUnwrap(daemon.request("/metrics", port: daemon.metricsPort))
        XCTAssertTrue(metrics.body.contains("leadsd_worker_restarts_total 1\n"), metrics.body)
        XCTAssertEqual(daemon.stop(), 0)
        print("replaced after \(replacedAfter) s; \(successes) requests served, \(failures.count) failed")
    }

    func testSIGTERMLetsASlowRequestFinishThenExitsZero() throws {
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "2", "--shutdown-timeout", "10"], environment: ["LEADSD_TEST_HOOKS": "1"])
        let port = daemon.port
        let result = LockedBox<DaemonProcess.Response?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            result.set(DaemonProcess.request(port: port, path: "/__test/sleep/1500", timeout: 15))
            done.signal()
        }.start()
        usleep(400_000)
        let stoppedAt = Date()
        daemon.signal(SIGTERM)
        XCTAssertEqual(done.wait(timeout: .now() + 15), .success)
        XCTAssertEqual(result.get()?.status, 200, "the request in flight completes")
        XCTAssertEqual(daemon.waitForExit(timeout: 15), 0, "master exits 0")
        XCTAssertGreaterThan(Date().timeIntervalSince(stoppedAt), 0.9, "it waited for the request")
        XCTAssertNil(DaemonProcess.request(port: port, path: "/healthz", timeout: 2), "nothing listens after the stop")
        XCTAssertTrue(daemon.stdout().contains("\"route\":\"/__test/sleep/{ms}\""), "the request reached the access log")
    }

    func testShutdownTimeoutCutsARequestThatTakesTooLong() throws {
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "1", "--shutdown-timeout", "1"], environment: ["LEADSD_TEST_HOOKS": "1"])
        let port = daemon.port
        let done = DispatchSemaphore(value: 0)
        Thread {
            _ = DaemonProcess.request(port: port, path: "/__test/sleep/30000", timeout: 40)
            done.signal()
        }.start()
        usleep(300_000)
        let stoppedAt = Date()
        daemon.signal(SIGTERM)
        XCTAssertEqual(daemon.waitForExit(timeout: 10), 0)
        XCTAssertLessThan(Date().timeIntervalSince(stoppedAt), 5, "the deadline bounds the stop")
        XCTAssertEqual(done.wait(timeout: .now() + 5), .success)
    }

    func testSIGHUPDuringAClientLoopFailsNothingAndReplacesEveryWorker() throws {
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "2"])
        let before = daemon.workerPIDs()
        let loop = LifecycleClientLoop(port: daemon.port)
        loop.start(clients: 3)
        usleep(300_000)
        daemon.signal(SIGHUP)
        XCTAssertTrue(waitUntil(10) { daemon.stderr().components(separatedBy: "\"reloaded\"").count == 2 })
        usleep(300_000)
        daemon.signal(SIGHUP)
        XCTAssertTrue(waitUntil(10) { daemon.stderr().components(separatedBy: "\"reloaded\"").count == 3 })
        usleep(500_000)
        let (successes, failures) = loop.stop()
        XCTAssertEqual(failures, [], "no request may fail during a reload")
        XCTAssertGreaterThan(successes, 50)
        let after = daemon.workerPIDs()
        XCTAssertEqual(after.count, 2)
        XCTAssertTrue(after.isDisjoint(with: before), "every worker is new: \(before) → \(after)")
        let metrics = try XCTUnwrap(daemon.request("/metrics", port: daemon.metricsPort))
        XCTAssertTrue(metrics.body.contains("leadsd_reloads_total 2\n"), metrics.body)
        XCTAssertTrue(metrics.body.contains("leadsd_worker_restarts_total 0\n"), "a reload is no restart")
        XCTAssertEqual(daemon.stop(), 0)
        print("reload x2: \(successes) requests, \(failures.count) failed")
    }

    /// Keep-alive clients that do not retry, as many HTTP libraries for non-idempotent
    /// requests: a draining worker must answer the next request on an open connection with
    /// `Connection: close` rather than close it under the client.
    func testSIGHUPDuringAKeepAliveClientLoopFailsNothing() throws {
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "2"])
        let loop = LifecycleClientLoop(port: daemon.port, keepAlive: true)
        loop.start(clients: 4)
        usleep(300_000)
        for round in 2...3 {
            daemon.signal(SIGHUP)
            XCTAssertTrue(waitUntil(10) { daemon.stderr().components(separatedBy: "\"reloaded\"").count == round })
            usleep(400_000)
        }
        let (successes, failures) = loop.stop()
        XCTAssertEqual(failures, [], "keep-alive requests failed during reloads (\(successes) succeeded)")
        XCTAssertGreaterThan(successes, 50)
        XCTAssertEqual(daemon.stop(), 0)
    }

    func testAReloadWithBrokenConfigurationKeepsServing() throws {
        let envFile = temporaryFile("env")
        defer { unlink(envFile) }
        try "LEADSD_RATE_LIMIT=100\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "1", "--env-file", envFile])
        let before = daemon.workerPIDs()
        try "LEADSD_RATE_LIMIT=lots\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        XCTAssertTrue(waitUntil(5) { daemon.stderr().contains("\"reload_failed\"") }, daemon.stderr())
        XCTAssertTrue(daemon.stderr().contains("LEADSD_RATE_LIMIT: not a whole number"), daemon.stderr())
        XCTAssertEqual(daemon.workerPIDs(), before, "the old workers keep serving")
        XCTAssertEqual(daemon.request("/healthz")?.status, 200)
        try "LEADSD_RATE_LIMIT=120\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        XCTAssertTrue(waitUntil(10) { daemon.stderr().contains("\"reloaded\"") }, daemon.stderr())
        XCTAssertEqual(daemon.stop(), 0)
    }

    func testAReloadAppliesANewWorkerCountFromTheEnvironmentFile() throws {
        let envFile = temporaryFile("env")
        defer { unlink(envFile) }
        try "LEADSD_WORKERS=1\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--env-file", envFile])
        XCTAssertEqual(daemon.workerPIDs().count, 1)
        try "# more workers\nLEADSD_WORKERS=3\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        XCTAssertTrue(waitUntil(10) { daemon.stderr().contains("\"reloaded\"") }, daemon.stderr())
        XCTAssertTrue(waitUntil(5) { daemon.workerPIDs().count == 3 }, "\(daemon.workerPIDs())")
        let metrics = try XCTUnwrap(daemon.request("/metrics", port: daemon.metricsPort))
        XCTAssertTrue(metrics.body.contains("leadsd_workers 3\n"), metrics.body)
        XCTAssertEqual(daemon.stop(), 0)
    }

    private func freePort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return UInt16(bigEndian: address.sin_port)
    }

    func testAReloadMovesToANewListenAddress() throws {
        let envFile = temporaryFile("env")
        defer { unlink(envFile) }
        let (first, second, metrics) = (freePort(), freePort(), freePort())
        try "LEADSD_LISTEN=127.0.0.1:\(first)\nLEADSD_METRICS_LISTEN=127.0.0.1:0\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "2", "--env-file", envFile], addListenFlags: false)
        XCTAssertEqual(daemon.port, first)
        let before = daemon.workerPIDs()
        try "LEADSD_LISTEN=127.0.0.1:\(second)\nLEADSD_METRICS_LISTEN=127.0.0.1:\(metrics)\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        XCTAssertTrue(waitUntil(10) { daemon.stderr().contains("\"reloaded\"") }, daemon.stderr())
        XCTAssertTrue(daemon.stderr().contains("\"listen_changed\""))
        XCTAssertEqual(daemon.request("/healthz", port: second)?.status, 200)
        XCTAssertEqual(daemon.request("/metrics", port: metrics)?.status, 200)
        XCTAssertTrue(waitUntil(10) { daemon.workerPIDs().isDisjoint(with: before) })
        XCTAssertTrue(waitUntil(5) { DaemonProcess.request(port: first, path: "/healthz", timeout: 1) == nil }, "the old address is closed")
        // An address that cannot be bound fails the reload and changes nothing.
        try "LEADSD_LISTEN=192.0.2.1:\(second)\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        XCTAssertTrue(waitUntil(10) { daemon.stderr().contains("\"reload_failed\"") }, daemon.stderr())
        XCTAssertEqual(daemon.request("/healthz", port: second)?.status, 200)
        XCTAssertEqual(daemon.stop(), 0)
    }

    /// The sockets a reload replaced stop listening once the old workers have drained: a
    /// connection to the old port is refused, not left in a backlog that nobody accepts from
    /// (the new workers must not inherit the old socket).
    func testTheSocketsAReloadReplacedAreClosedOnceTheOldWorkersDrained() throws {
        let envFile = temporaryFile("env")
        defer { unlink(envFile) }
        let (api, metrics) = (freePort(), freePort())
        try "LEADSD_LISTEN=127.0.0.1:\(api)\nLEADSD_METRICS_LISTEN=127.0.0.1:\(metrics)\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "2", "--env-file", envFile], addListenFlags: false)
        let before = daemon.workerPIDs()
        let (newAPI, newMetrics) = (freePort(), freePort())
        try "LEADSD_LISTEN=127.0.0.1:\(newAPI)\nLEADSD_METRICS_LISTEN=127.0.0.1:\(newMetrics)\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        XCTAssertTrue(waitUntil(10) { daemon.stderr().contains("\"reloaded\"") }, daemon.stderr())
        XCTAssertTrue(waitUntil(10) { daemon.workerPIDs().isDisjoint(with: before) }, "the old workers drained")
        XCTAssertTrue(waitUntil(5) { Self.connectionRefused(port: api) }, "old API port still listening")
        XCTAssertTrue(waitUntil(5) { Self.connectionRefused(port: metrics) }, "old metrics port still listening")
        XCTAssertEqual(daemon.request("/healthz", port: newAPI)?.status, 200)
        XCTAssertEqual(daemon.request("/metrics", port: newMetrics)?.status, 200)
        XCTAssertEqual(daemon.stop(), 0)
    }

    /// True when nothing listens on the loopback port: connect(2) fails with ECONNREFUSED
    /// (a socket still in LISTEN would take the connection into its backlog; once that is full,
    /// connect waits, hence the timeout).
    private static func connectionRefused(port: UInt16) -> Bool {
        switch DaemonProcess.connect(port: port, timeout: 1) {
        case .success(let fd): close(fd); return false
        case .failure(let error): return error.code == .ECONNREFUSED
        }
    }

    func testOldWorkersKeepServingWhileReloadedWorkersCannotStart() throws {
        let envFile = temporaryFile("env")
        defer { unlink(envFile) }
        try "LEADSD_TEST_WORKER_EXIT=0\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "2", "--env-file", envFile])
        let before = daemon.workerPIDs()
        let loop = LifecycleClientLoop(port: daemon.port)
        loop.start()
        // The new configuration makes every new worker die at once.
        try "LEADSD_TEST_WORKER_EXIT=1\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        usleep(2_000_000)
        XCTAssertTrue(before.isSubset(of: daemon.workerPIDs()), "the old workers still run")
        XCTAssertFalse(daemon.stderr().contains("\"reloaded\""))
        // A fixed configuration and another SIGHUP complete the reload.
        try "LEADSD_TEST_WORKER_EXIT=0\n".write(toFile: envFile, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        XCTAssertTrue(waitUntil(10) { daemon.stderr().contains("\"reloaded\"") }, daemon.stderr())
        XCTAssertTrue(waitUntil(5) { daemon.workerPIDs().count == 2 && daemon.workerPIDs().isDisjoint(with: before) })
        usleep(300_000)
        let (successes, failures) = loop.stop()
        XCTAssertEqual(failures, [], "served throughout")
        XCTAssertGreaterThan(successes, 50)
        XCTAssertEqual(daemon.stop(), 0)
    }

    func testWorkersLeaveWhenTheMasterIsKilled() throws {
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "2"])
        let workers = daemon.workerPIDs()
        XCTAssertEqual(workers.count, 2)
        daemon.signal(SIGKILL)
        XCTAssertNotNil(daemon.waitForExit(timeout: 5))
        // Orphans are reparented (not our children): look them up in /proc.
        XCTAssertTrue(waitUntil(5) { workers.allSatisfy { !FileManager.default.fileExists(atPath: "/proc/\($0)/stat") || Self.isZombie($0) } },
                      "workers still alive after their master died")
    }

    private static func isZombie(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(after: close)...].split(separator: " ").first == "Z"
    }

    func testACrashLoopBacksOffInsteadOfSpinning() throws {
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "2"], environment: ["LEADSD_TEST_WORKER_EXIT": "1"], waitForHealth: false)
        let started = Date()
        usleep(3_000_000)
        let forks = daemon.stderrLines().filter { $0.contains("\"worker_started\"") }.count
        let elapsed = Date().timeIntervalSince(started)
        // Backoff 0.1, 0.2, 0.4, 0.8, 1.6 s… shared by both slots: about 10 forks in 3 s.
        // Without it the master would fork thousands of times.
        XCTAssertGreaterThanOrEqual(forks, 3, "it does keep trying")
        XCTAssertLessThanOrEqual(forks, 20, "forks in \(elapsed) s: \(forks)")
        let stat = try String(contentsOfFile: "/proc/\(daemon.pid)/stat", encoding: .utf8)
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        let cpuTicks = (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)  // utime + stime
        XCTAssertLessThan(cpuTicks, 100, "master CPU over the crash loop: \(cpuTicks) ticks")
        XCTAssertEqual(daemon.stop(), 0)
        print("crash loop: \(forks) forks in \(elapsed) s, master cpu \(cpuTicks) ticks")
    }
}

/// A value shared with a background thread.
final class LockedBox<Value>: @unchecked Sendable {
    // Sendable: every access holds `lock`.
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
    func get() -> Value { lock.withLock { value } }
}
