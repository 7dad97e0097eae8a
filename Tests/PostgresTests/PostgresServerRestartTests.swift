import Foundation
import Postgres
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `pg_ctl restart -m fast` in the middle of a write loop, on a cluster of the test's own.
final class PostgresServerRestartTests: XCTestCase {
    private static let write = PreparedStatement(name: "write", sql: "INSERT INTO writes (id, note) VALUES ($1::int8, $2::text)")
    private static let read = PreparedStatement(name: "read", sql: "SELECT count(*) FROM writes")

    func testFastRestartDuringWriteLoop() throws {
        let cluster = try ThrowawayCluster()
        defer { cluster.destroy() }
        let admin = try BlockingConnection(connectionString: cluster.connectionString)
        try admin.execute("CREATE TABLE writes (id int8 PRIMARY KEY, note text NOT NULL)")
        admin.close()

        let deadline = 2_000
        let harness = PoolHarness(PostgresConfiguration(
            connectionString: cluster.connectionString, poolSize: 2, maxPendingBatches: 500,
            requestDeadlineMilliseconds: deadline, reconnectInitialDelayMilliseconds: 20,
            reconnectMaxDelayMilliseconds: 250, connectTimeoutMilliseconds: 1_000
        ), statements: [Self.write, Self.read])
        defer { harness.shutdown() }
        XCTAssertTrue(harness.waitUntilReady())

        // Each write is two statements in one batch: both or neither must be stored.
        let writes = LoadDriver(harness: harness, concurrency: 8) { sequence in
            QueryBatch([
                Query(Self.write, [String(sequence * 2), "first"]), Query(Self.write, [String(sequence * 2 + 1), "second"]),
            ], isReadOnly: false)
        }
        writes.start()
        XCTAssertTrue(writes.waitForSuccesses(200, seconds: 10))

        let restartBegan = Date()
        try cluster.restartFast()
        let restartEnded = Date()
        XCTAssertTrue(writes.waitForSuccesses(writes.successes.count + 200, seconds: 15), "the pool recovers by itself")
        XCTAssertTrue(writes.stop(seconds: 10), "no write hangs")

        let failures = writes.failures
        XCTAssertFalse(failures.isEmpty, "writes during the outage must have failed (the restart went unnoticed?)")
        for failure in failures {
            let kind = try XCTUnwrap(failure.result.error?.kind)
            XCTAssertTrue([.unavailable, .connectionLost, .timeout].contains(kind), "\(failure.result)")
        }
        let slowest = writes.outcomes.current.map(\.seconds).max() ?? 0
        XCTAssertLessThan(slowest, Double(deadline) / 1_000 + 0.5, "every answer came within the deadline")
        XCTAssertTrue(writes.successes.contains { $0.startedAt > restartEnded }, "writes succeed again after the restart")
        XCTAssertTrue(harness.isReady)
        harness.waitForConnections(2, seconds: 5)
        let stats = harness.stats
        XCTAssertGreaterThanOrEqual(stats.connectionsLost, 2)
        XCTAssertGreaterThanOrEqual(stats.reconnects, 2)

        let check = try BlockingConnection(connectionString: cluster.connectionString)
        let stored = Set(try check.execute("SELECT id FROM writes").rows.compactMap { $0[0].int })
        let answered = Set(writes.successes.flatMap { [$0.sequence * 2, $0.sequence * 2 + 1] })
        XCTAssertTrue(answered.isSubset(of: stored), "answered writes missing: \(answered.subtracting(stored).sorted().prefix(10))")
        // Half-written batches would show up as one id of a pair without the other.
        let pairs = Dictionary(grouping: stored, by: { $0 / 2 })
        XCTAssertTrue(pairs.values.allSatisfy { $0.count == 2 }, "a batch was half written")
        print("restart took \(String(format: "%.2f", restartEnded.timeIntervalSince(restartBegan))) s; \(writes.successes.count) writes answered ok, \(failures.count) failed fast (slowest answer \(String(format: "%.3f", slowest)) s); \(stats)")
    }

    /// SIGKILL of the connection's backend: the socket just closes, no FATAL message comes
    /// first (and the postmaster then restarts every backend). The loss must still be
    /// noticed promptly and nothing may hang.
    func testKilledBackendWithoutGoodbyeIsNoticed() throws {
        let cluster = try ThrowawayCluster()
        defer { cluster.destroy() }
        let admin = try BlockingConnection(connectionString: cluster.connectionString)
        try admin.execute("CREATE TABLE writes (id int8 PRIMARY KEY, note text NOT NULL)")
        admin.close()
        let deadline = 3_000
        let harness = PoolHarness(PostgresConfiguration(
            connectionString: cluster.connectionString, poolSize: 1, requestDeadlineMilliseconds: deadline,
            reconnectInitialDelayMilliseconds: 20, reconnectMaxDelayMilliseconds: 250, connectTimeoutMilliseconds: 1_000
        ), statements: [Self.read])
        defer { harness.shutdown() }
        XCTAssertTrue(harness.waitUntilReady())
        let reads = LoadDriver(harness: harness, concurrency: 4) { _ in QueryBatch([Query(Self.read)], isReadOnly: true) }
        reads.start()
        XCTAssertTrue(reads.waitForSuccesses(100, seconds: 10))
        let victim = try XCTUnwrap(harness.backendProcessIDs.first)
        XCTAssertEqual(kill(victim, SIGKILL), 0)
        let killedAt = Date()
        var noticed: Date?
        while Date().timeIntervalSince(killedAt) < 5 {
            if harness.stats.connectionsLost >= 1 { noticed = Date(); break }
            Thread.sleep(forTimeInterval: 0.002)
        }
        let noticedAfter = try XCTUnwrap(noticed, "the dead connection was never noticed").timeIntervalSince(killedAt)
        XCTAssertLessThan(noticedAfter, 0.5)
        XCTAssertTrue(reads.waitForSuccesses(reads.successes.count + 100, seconds: 15), "the pool recovers after crash recovery")
        XCTAssertTrue(reads.stop(seconds: 10), "no read hangs")
        for failure in reads.failures {
            let kind = try XCTUnwrap(failure.result.error?.kind)
            XCTAssertTrue([.unavailable, .connectionLost].contains(kind), "\(failure.result)")
        }
        print(String(format: "kill -9: loss noticed after %.1f ms; %d reads failed fast, %@", noticedAfter * 1000, reads.failures.count, "\(harness.stats)"))
    }
}
