import Dispatch
import Foundation
import Postgres
import TestSupport
import XCTest

/// `PostgresPool.run(together:)`: several batches, each its own transaction, written to one
/// connection in one flush.
final class PostgresRunTogetherTests: XCTestCase {
    private var database: TestDatabase!

    private static let backend = PreparedStatement(name: "backend", sql: "SELECT pg_backend_pid()")
    private static let insert = PreparedStatement(name: "insert", sql: "INSERT INTO notes (id) VALUES ($1::int8)")
    private static let count = PreparedStatement(name: "count", sql: "SELECT count(*) FROM notes")
    private static let divide = PreparedStatement(name: "divide", sql: "SELECT 100 / $1::int8")

    override func setUpWithError() throws {
        database = try TestDatabase(prefix: "pg_together", migrate: false)
        let admin = try database.connect()
        try admin.execute("CREATE TABLE notes (id int8 PRIMARY KEY)")
        admin.close()
    }

    override func tearDown() { database?.drop() }

    private func makeHarness(poolSize: Int) -> PoolHarness {
        let configuration = PostgresConfiguration(connectionString: database.url, poolSize: poolSize)
        let harness = PoolHarness(configuration, statements: [Self.backend, Self.insert, Self.count, Self.divide])
        XCTAssertTrue(harness.waitUntilReady(), "pool never became ready")
        // Every connection up, so that separate batches would spread over them.
        harness.waitForConnections(poolSize)
        return harness
    }

    private func together(_ harness: PoolHarness, _ batches: [QueryBatch]) -> [Result<[QueryResult], PostgresError>]? {
        let box = Locked<[Result<[QueryResult], PostgresError>]?>(nil)
        let done = DispatchSemaphore(value: 0)
        harness.queue.async { [pool = harness.pool] in
            pool.run(together: batches) { results in
                box.withValue { $0 = results }
                done.signal()
            }
        }
        guard done.wait(timeout: .now() + 10) == .success else { return nil }
        return box.current
    }

    /// With four idle connections, separately run batches land on different connections (the
    /// least loaded one); batches run together all go to the same one, as one write.
    func testBatchesRunTogetherShareOneConnection() throws {
        let harness = makeHarness(poolSize: 4)
        defer { harness.shutdown() }
        let probe = QueryBatch([Query(Self.backend)], isReadOnly: true)
        let separate = try XCTUnwrap(harness.runAll([probe, probe, probe]))
        XCTAssertEqual(Set(separate.compactMap { $0.rows?.first?.first?.int }).count, 3, "control: separate batches spread out")
        for _ in 0..<20 {
            let results = try XCTUnwrap(together(harness, [probe, probe, probe]))
            let pids = results.compactMap { $0.rows?.first?.first?.int }
            XCTAssertEqual(pids.count, 3)
            XCTAssertEqual(Set(pids).count, 1, "one connection for the whole group: \(pids)")
        }
    }

    /// Each batch is its own transaction: a failure in one leaves the others alone, and a later
    /// batch sees what an earlier one committed.
    func testEachBatchIsItsOwnTransactionInOrder() throws {
        let harness = makeHarness(poolSize: 2)
        defer { harness.shutdown() }
        let results = try XCTUnwrap(together(harness, [
            QueryBatch([Query(Self.insert, ["1"])], isReadOnly: false),
            QueryBatch([Query(Self.insert, ["2"]), Query(Self.divide, ["0"])], isReadOnly: false),
            QueryBatch([Query(Self.count)], isReadOnly: true),
        ]))
        XCTAssertEqual(results.count, 3)
        XCTAssertNil(results[0].error)
        XCTAssertEqual(results[1].error?.sqlState, "22012", "the second batch failed on its own")
        XCTAssertEqual(results[2].rows?.first?.first?.int, 1, "the third saw the first's commit and not the second's rollback")
    }

    /// A group that cannot be sent is refused whole, and one batch with a NUL byte refuses all.
    func testGroupIsRefusedWhole() throws {
        let harness = makeHarness(poolSize: 1)
        let probe = QueryBatch([Query(Self.backend)], isReadOnly: true)
        let invalid = QueryBatch([Query(Self.divide, ["1\u{0}"])], isReadOnly: true)
        let refusedForNUL = try XCTUnwrap(together(harness, [probe, invalid]))
        XCTAssertEqual(refusedForNUL.map { $0.error?.sqlState }, ["22021", "22021"])
        XCTAssertTrue(harness.shutdown())
        let afterShutdown = try XCTUnwrap(together(harness, [probe, probe]))
        XCTAssertEqual(afterShutdown.map { $0.error?.kind }, [.unavailable, .unavailable])
    }
}
