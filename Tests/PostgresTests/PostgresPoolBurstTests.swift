import Dispatch
import Foundation
import Postgres
import TestSupport
import XCTest

/// The pool's burst connections: opened while writes that wait for a WAL flush pile up on
/// every connection, never beyond `burstSize`, closed when idle, and harmless when the
/// server refuses them.
final class PostgresPoolBurstTests: XCTestCase {
    private var database: TestDatabase!

    /// Holds its transaction (and so its connection) for a while, as a commit waiting for a
    /// slow disk does, and says which backend ran it.
    private static let slowWrite = PreparedStatement(
        name: "slow_write",
        sql: "WITH pause AS (SELECT pg_sleep(0.05)) INSERT INTO notes (backend) SELECT pg_backend_pid() FROM pause RETURNING backend")

    override func setUpWithError() throws {
        database = try TestDatabase(prefix: "pg_burst", migrate: false)
        let admin = try database.connect()
        try admin.execute("CREATE TABLE notes (id serial PRIMARY KEY, backend int NOT NULL)")
        try admin.execute("GRANT ALL ON notes, notes_id_seq TO PUBLIC")
        admin.close()
    }

    override func tearDown() { database?.drop() }

    private func makeHarness(poolSize: Int = 1, burst: Int, idleMilliseconds: Int = 60_000,
                             pauseMilliseconds: Int = 5_000, connectionString: String? = nil) -> PoolHarness {
        let configuration = PostgresConfiguration(
            connectionString: connectionString ?? database.url, poolSize: poolSize,
            burstSize: burst, burstIdleMilliseconds: idleMilliseconds,
            reconnectMaxDelayMilliseconds: pauseMilliseconds)
        let harness = PoolHarness(configuration, statements: [Self.slowWrite])
        XCTAssertTrue(harness.waitUntilReady(), "pool never became ready")
        return harness
    }

    private func writes(_ count: Int, durable: Bool) -> [QueryBatch] {
        Array(repeating: QueryBatch([Query(Self.slowWrite)], isReadOnly: false, awaitsDurableCommit: durable), count: count)
    }

    /// Sends waves of durable writes until the burst is full (bounded): every write commits,
    /// and the later waves run on more than one backend.
    private func fillBurst(_ harness: PoolHarness, expecting connections: Int) throws -> Set<Int> {
        var backends = Set<Int>()
        for _ in 0..<20 {
            let results = try XCTUnwrap(harness.runAll(writes(12, durable: true)))
            for result in results {
                XCTAssertNil(result.error, "\(result.error.map { "\($0)" } ?? "")")
                if let backend = result.rows?.first?.first?.int { backends.insert(backend) }
            }
            if harness.stats.connectionsUp >= connections, backends.count >= connections { break }
        }
        return backends
    }

    func testDurableWritesOpenBurstConnectionsUpToTheLimit() throws {
        let harness = makeHarness(burst: 3)
        defer { harness.shutdown() }
        let backends = try fillBurst(harness, expecting: 4)
        let stats = harness.stats
        XCTAssertEqual(stats.burstOpened, 3, "one slot plus three burst connections: \(stats)")
        XCTAssertEqual(stats.connectionsUp, 4)
        XCTAssertEqual(backends.count, 4, "the writes ran side by side on every connection")
        XCTAssertEqual(stats.connectFailures, 0)
    }

    /// Reads and writes that commit without waiting for the disk never open a burst
    /// connection, however much they queue.
    func testOtherBatchesNeverOpenBurstConnections() throws {
        let harness = makeHarness(burst: 3)
        defer { harness.shutdown() }
        let read = QueryBatch([Query(Self.slowWrite)], isReadOnly: true, awaitsDurableCommit: false)
        for _ in 0..<3 {
            let results = try XCTUnwrap(harness.runAll(writes(12, durable: false) + Array(repeating: read, count: 12)))
            XCTAssertTrue(results.allSatisfy { $0.error == nil })
        }
        XCTAssertEqual(harness.stats.burstOpened, 0)
        XCTAssertEqual(harness.stats.connectionsUp, 1)
        XCTAssertFalse(QueryBatch([], isReadOnly: true).awaitsDurableCommit, "a read never waits for a flush")
        XCTAssertTrue(QueryBatch([], isReadOnly: false).awaitsDurableCommit, "a write does unless told otherwise")
    }

    func testIdleBurstConnectionsAreClosed() throws {
        // Longer than a wave of writes (12 × 50 ms on one connection), so only the quiet after them closes.
        let harness = makeHarness(burst: 2, idleMilliseconds: 1_500)
        defer { harness.shutdown() }
        _ = try fillBurst(harness, expecting: 3)
        XCTAssertEqual(harness.stats.burstOpened, 2)
        let end = Date().addingTimeInterval(10)
        while harness.stats.connectionsUp > 1, Date() < end { Thread.sleep(forTimeInterval: 0.05) }
        let stats = harness.stats
        XCTAssertEqual(stats.connectionsUp, 1, "the slot's connection stays, the burst goes: \(stats)")
        XCTAssertEqual(stats.burstClosedIdle, 2)
        XCTAssertEqual(stats.connectionsLost, 0, "an idle close is not a lost connection")
        XCTAssertEqual(harness.backendProcessIDs.count, 1)
        // And the burst comes back when writes pile up again.
        _ = try fillBurst(harness, expecting: 3)
        XCTAssertEqual(harness.stats.burstOpened, 4)
    }

    /// A role allowed two connections: the second burst connection is refused by the server.
    /// That pauses the burst, not the pool: every write still commits, the pool stays ready,
    /// and no other attempt is made during the pause.
    func testBurstRefusedByTheServerOnlyPausesTheBurst() throws {
        let role = "burst_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try database.connect()
        defer {
            _ = try? admin.execute("DROP OWNED BY \(role)")
            _ = try? admin.execute("DROP ROLE IF EXISTS \(role)")
            admin.close()
        }
        // The name is made here from [a-z0-9_]; identifiers cannot be parameters.
        try admin.execute("CREATE ROLE \(role) LOGIN CONNECTION LIMIT 2")
        let url = database.url
        let asRole = url.contains("://") ? url + (url.contains("?") ? "&" : "?") + "user=\(role)" : url + " user=\(role)"
        let harness = makeHarness(burst: 3, pauseMilliseconds: 60_000, connectionString: asRole)
        defer { harness.shutdown() }
        for _ in 0..<6 {
            let results = try XCTUnwrap(harness.runAll(writes(12, durable: true)))
            XCTAssertTrue(results.allSatisfy { $0.error == nil }, "every write commits: \(results.compactMap(\.error))")
        }
        let stats = harness.stats
        XCTAssertEqual(stats.connectionsUp, 2, "the slot and one burst connection: \(stats)")
        XCTAssertEqual(stats.burstOpened, 2, "one accepted, one refused, then paused")
        XCTAssertEqual(stats.connectFailures, 1)
        XCTAssertTrue(harness.isReady)
    }
}
