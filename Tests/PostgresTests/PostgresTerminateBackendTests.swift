import Foundation
import Postgres
import TestSupport
import XCTest

/// `pg_terminate_backend` on the pool's own connections while it is under load.
final class PostgresTerminateBackendTests: XCTestCase {
    private var database: TestDatabase!
    private static let read = PreparedStatement(name: "read", sql: "SELECT $1::int8 * 2, pg_sleep(0.002)")
    private static let write = PreparedStatement(name: "write", sql: "INSERT INTO writes (id) VALUES ($1::int8)")

    override func setUpWithError() throws {
        database = try TestDatabase(prefix: "pg_terminate", migrate: false)
        let admin = try database.connect()
        try admin.execute("CREATE TABLE writes (id int8 PRIMARY KEY)")
        admin.close()
    }

    override func tearDown() { database?.drop() }

    private func makeHarness(applicationName: String) -> PoolHarness {
        let harness = PoolHarness(PostgresConfiguration(
            connectionString: database.url, poolSize: 3, maxPendingBatches: 1_000,
            requestDeadlineMilliseconds: 5_000, reconnectInitialDelayMilliseconds: 20,
            reconnectMaxDelayMilliseconds: 500, applicationName: applicationName
        ), statements: [Self.read, Self.write])
        XCTAssertTrue(harness.waitUntilReady())
        return harness
    }

    private func readDriver(_ harness: PoolHarness) -> LoadDriver {
        LoadDriver(harness: harness, concurrency: 24) { QueryBatch([Query(Self.read, [String($0)])], isReadOnly: true) }
    }

    func testOneTerminatedBackendLosesNoRead() throws {
        let harness = makeHarness(applicationName: "leadsd-test-one")
        defer { harness.shutdown() }
        XCTAssertTrue(harness.waitForConnections(3))
        let reads = readDriver(harness)
        reads.start()
        XCTAssertTrue(reads.waitForSuccesses(300, seconds: 10))

        let victim = try XCTUnwrap(harness.backendProcessIDs.first)
        let admin = try database.connect()
        XCTAssertEqual(try admin.execute("SELECT pg_terminate_backend($1::int4)", [String(victim)]).rows[0][0].bool, true)
        let before = reads.successes.count
        XCTAssertTrue(reads.waitForSuccesses(before + 500, seconds: 10), "the pool keeps answering")
        XCTAssertTrue(reads.stop(seconds: 10), "every read sent was answered")

        XCTAssertEqual(reads.failures.count, 0, "reads in flight on the lost connection are retried: \(reads.failures.prefix(3).map { "\($0.result)" })")
        XCTAssertTrue(harness.waitForConnections(3), "the lost connection is replaced")
        let stats = harness.stats
        XCTAssertEqual(stats.connectionsLost, 1)
        XCTAssertGreaterThanOrEqual(stats.reconnects, 1)
        XCTAssertGreaterThan(stats.retriedReads, 0, "some reads were in flight on the terminated connection")
        XCTAssertFalse(harness.backendProcessIDs.contains(victim))
    }

    func testAllBackendsTerminatedMidLoadRecoverWithoutLosingAnsweredWrites() throws {
        let applicationName = "leadsd-test-all-\(UInt16.random(in: 0...UInt16.max))"
        let harness = makeHarness(applicationName: applicationName)
        defer { harness.shutdown() }
        XCTAssertTrue(harness.waitForConnections(3))
        let reads = readDriver(harness)
        let writes = LoadDriver(harness: harness, concurrency: 6) { QueryBatch([Query(Self.write, [String($0)])], isReadOnly: false) }
        reads.start()
        writes.start()
        XCTAssertTrue(reads.waitForSuccesses(300, seconds: 10))
        XCTAssertTrue(writes.waitForSuccesses(100, seconds: 10))

        let admin = try database.connect()
        let killed = try admin.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", [applicationName]
        )
        XCTAssertEqual(killed.rows[0][0].int, 3)
        let killedAt = Date()
        let resumed = reads.waitForSuccesses(reads.successes.count + 500, seconds: 10)
        XCTAssertTrue(resumed, "reads resume; pool: \(harness.queue.sync { harness.pool.debugSummary })")
        XCTAssertTrue(writes.waitForSuccesses(writes.successes.count + 100, seconds: 10), "writes resume")
        XCTAssertTrue(reads.stop(seconds: 10), "no read hangs")
        XCTAssertTrue(writes.stop(seconds: 10), "no write hangs")

        // A read may fail only if it was retried onto a connection that was killed too.
        for failure in reads.failures + writes.failures {
            let kind = try XCTUnwrap(failure.result.error?.kind)
            XCTAssertTrue([.connectionLost, .unavailable].contains(kind), "\(failure.result)")
            XCTAssertLessThan(failure.seconds, 5)
        }
        XCTAssertLessThanOrEqual(reads.failures.count, 24)
        XCTAssertTrue(reads.successes.contains { $0.startedAt > killedAt })
        XCTAssertGreaterThan(harness.stats.retriedReads, 0)

        let stored = Set(try admin.execute("SELECT id FROM writes").rows.compactMap { $0[0].int })
        let answered = Set(writes.successes.map(\.sequence))
        XCTAssertTrue(answered.isSubset(of: stored), "answered writes missing: \(answered.subtracting(stored).sorted().prefix(10))")
        XCTAssertTrue(harness.waitForConnections(3))
        XCTAssertGreaterThanOrEqual(harness.stats.connectionsLost, 3)
        print("terminate all: \(reads.successes.count) reads, \(writes.successes.count) writes ok; \(harness.stats)")
    }
}
