import Foundation
import Postgres
import TestSupport
import XCTest

/// How many small batches a pool carries per second (printed), with every answer checked.
final class PostgresThroughputTests: XCTestCase {
    private static let lookup = PreparedStatement(name: "lookup", sql: "SELECT id, label FROM items WHERE id = $1::int8")

    func testPipelinedReadsAllAnsweredCorrectly() throws {
        let database = try TestDatabase(prefix: "pg_throughput", migrate: false)
        defer { database.drop() }
        let admin = try database.connect()
        try admin.execute("CREATE TABLE items (id int8 PRIMARY KEY, label text NOT NULL); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g")
        admin.close()

        for (poolSize, concurrency) in [(1, 1), (1, 256), (2, 256)] {
            let harness = PoolHarness(PostgresConfiguration(
                connectionString: database.url, poolSize: poolSize, maxInFlightPerConnection: 256
            ), statements: [Self.lookup])
            XCTAssertTrue(harness.waitUntilReady())
            let driver = LoadDriver(harness: harness, concurrency: concurrency) { sequence in
                QueryBatch([Query(Self.lookup, [String(sequence % 1000 + 1)])], isReadOnly: true)
            }
            let started = Date()
            driver.start()
            let target = concurrency == 1 ? 2_000 : 20_000
            XCTAssertTrue(driver.waitForSuccesses(target, seconds: 60))
            XCTAssertTrue(driver.stop(seconds: 10))
            let elapsed = Date().timeIntervalSince(started)
            let outcomes = driver.outcomes.current
            XCTAssertTrue(driver.failures.isEmpty, "\(driver.failures.first.map { "\($0.result)" } ?? "")")
            for outcome in outcomes {
                let row = try XCTUnwrap(outcome.result.rows?.first)
                XCTAssertEqual(row[0].int, outcome.sequence % 1000 + 1)
                XCTAssertEqual(row[1].string, "item \(outcome.sequence % 1000 + 1)")
            }
            let latencies = outcomes.map(\.seconds).sorted()
            let p99 = latencies[latencies.count * 99 / 100]
            print(String(format: "throughput: poolSize %d, %d in flight: %.0f batches/s, p99 %.2f ms (%d batches, %d tick rescues)",
                         poolSize, concurrency, Double(outcomes.count) / elapsed, p99 * 1000, outcomes.count, harness.stats.inputFoundByTick))
            XCTAssertTrue(harness.shutdown())
        }
    }
}
