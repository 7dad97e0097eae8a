#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Postgres
import TestSupport
import XCTest

/// The database host name is resolved off the worker's queue: while a reconnect waits for a
/// slow DNS answer, the worker keeps serving on the connections it has.
///
/// Real parts throughout: the daemon runs in a mount namespace of its own whose
/// /etc/resolv.conf names a stub DNS server on a loopback address (StubDNSServer), and
/// DATABASE_URL names the test database by a host name only that server knows.
final class DatabaseHostResolutionTests: XCTestCase {
    func testASlowResolverDoesNotStopTheWorker() throws {
        let database = try TestDatabase(prefix: "slow_dns")
        defer { database.drop() }
        let hostName = "db-\(UInt32.random(in: 0...UInt32.max)).leadsd.test"
        let url = try XCTUnwrap(database.url.range(of: "@127.0.0.1:").map { database.url.replacingCharacters(in: $0, with: "@\(hostName):") },
                                "the test database URL must name 127.0.0.1: \(database.url)")
        let dns = try StubDNSServer(name: hostName)
        defer { dns.stop() }
        let daemon = DaemonProcess()
        let resolvConf = daemon.directory + "/resolv.conf"
        try dns.resolvConf(at: resolvConf)
        try daemon.start(
            arguments: ["--workers", "1", "--db-pool-size", "2", "--guest-rate-limit", "1000000"], environment: ["DATABASE_URL": url],
            launcher: ["/usr/bin/unshare", "--mount", "--propagation", "private",
                       "/bin/sh", "-c", #"mount --bind "$0" /etc/resolv.conf && exec "$@""#, resolvConf])
        XCTAssertTrue(waitUntil(15) { daemon.request("/readyz")?.status == 200 }, daemon.stderr())
        XCTAssertGreaterThan(dns.queryCount, 0, "the daemon resolved the name through the stub")
        XCTAssertTrue(waitUntil(10) { self.metric("leadsd_db_connections{state=\"up\"}", daemon) == 2 })

        // From now on the resolver takes 3 s. One connection is cut; its reconnect resolves.
        dns.delay = 3
        let queriesBefore = dns.queryCount
        let admin = try database.connect()
        defer { admin.close() }
        let cut = try admin.execute("""
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'leadsd' LIMIT 1
            """).rows.count
        XCTAssertEqual(cut, 1)
        XCTAssertTrue(waitUntil(2) { dns.queryCount > queriesBefore }, "the reconnect asked the resolver")
        let answersBefore = dns.answerCount

        // While the resolver has not answered: the worker answers, from its other connection too.
        var slowest = 0.0
        var served = 0
        let window = Date().addingTimeInterval(2)
        while Date() < window {
            let started = Date()
            let guest = daemon.request("/crm/api/v2/leads", timeout: 5)  // 401 after a database round trip
            let health = daemon.request("/healthz", timeout: 5)
            slowest = max(slowest, Date().timeIntervalSince(started))
            XCTAssertEqual(guest?.status, 401)
            XCTAssertEqual(health?.status, 200)
            served += 1
        }
        XCTAssertEqual(dns.answerCount, answersBefore, "the requests ran while the resolution was pending")
        XCTAssertLessThan(slowest, 0.5, "slowest pair of requests while the resolver was slow: \(slowest) s (\(served) pairs)")
        print("slow resolver: \(served) request pairs in 2 s, slowest \(String(format: "%.3f", slowest)) s")

        // The answer comes; the pool is whole again.
        XCTAssertTrue(waitUntil(10) { self.metric("leadsd_db_connections{state=\"up\"}", daemon) == 2 }, daemon.stderr())
        XCTAssertEqual(daemon.stop(), 0)
    }

    private func metric(_ sample: String, _ daemon: DaemonProcess) -> Int? {
        let body = daemon.request("/metrics", port: daemon.metricsPort, timeout: 2)?.body ?? ""
        return body.split(separator: "\n").first { $0.hasPrefix(sample + " ") }.flatMap { Int($0.dropFirst(sample.count + 1)) }
    }
}
