import Postgres
import TestSupport
import XCTest

/// Many batches share one connection's pipeline; each batch is its own transaction.
final class PostgresPipelineTests: XCTestCase {
    private var database: TestDatabase!

    private static let double = PreparedStatement(name: "double", sql: "SELECT $1::int8 * 2", parameterTypes: [PostgresType.int8])
    private static let divide = PreparedStatement(name: "divide", sql: "SELECT 100 / $1::int8", parameterTypes: [PostgresType.int8])
    private static let insert = PreparedStatement(name: "insert", sql: "INSERT INTO notes (id, body) VALUES ($1::int8, $2::text)")
    private static let count = PreparedStatement(name: "count", sql: "SELECT count(*) FROM notes")
    private static let insertDeferred = PreparedStatement(name: "insert_deferred", sql: "INSERT INTO deferred_notes (id) VALUES ($1::int8)")
    private static let sleep = PreparedStatement(name: "sleep", sql: "SELECT pg_sleep($1::float8)")

    override func setUpWithError() throws {
        database = try TestDatabase(prefix: "pg_pipeline", migrate: false)
        let admin = try database.connect()
        try admin.execute("""
            CREATE TABLE notes (id int8 PRIMARY KEY, body text NOT NULL);
            CREATE TABLE deferred_notes (id int8, CONSTRAINT deferred_unique UNIQUE (id) DEFERRABLE INITIALLY DEFERRED);
            """)
        admin.close()
    }

    override func tearDown() { database?.drop() }

    private func makeHarness(poolSize: Int = 1, maxInFlight: Int = 1_024, statementTimeout: Int = 5_000, deadline: Int = 10_000) -> PoolHarness {
        let configuration = PostgresConfiguration(
            connectionString: database.url, poolSize: poolSize, maxPendingBatches: 2_000,
            maxInFlightPerConnection: maxInFlight, statementTimeoutMilliseconds: statementTimeout,
            requestDeadlineMilliseconds: deadline
        )
        let harness = PoolHarness(configuration, statements: [Self.double, Self.divide, Self.insert, Self.count, Self.insertDeferred, Self.sleep])
        XCTAssertTrue(harness.waitUntilReady(), "pool never became ready")
        return harness
    }

    func testThousandBatchesInFlightOnOneConnectionAnsweredInOrder() throws {
        let harness = makeHarness(poolSize: 1, maxInFlight: 1_000)
        defer { harness.shutdown() }
        let batches = (0..<1_000).map { QueryBatch([Query(Self.double, [String($0)])], isReadOnly: true) }
        let results = try XCTUnwrap(harness.runAll(batches, seconds: 30), "not every batch was answered")
        for (index, result) in results.enumerated() {
            XCTAssertEqual(result.rows?.first?.first?.int, index * 2, "batch \(index): \(result)")
        }
        XCTAssertEqual(harness.lastArrivalOrder, Array(0..<1_000), "answers must arrive in the order sent")
        let stats = harness.stats
        XCTAssertEqual(stats.batchesSucceeded, 1_000)
        XCTAssertEqual(stats.connectionsUp, 1)
        XCTAssertEqual(stats.batchesInFlight, 0)
    }

    func testErrorInsideThePipelineFailsOnlyItsBatch() throws {
        let harness = makeHarness()
        defer { harness.shutdown() }
        var batches: [QueryBatch] = []
        for index in 0..<30 {
            // Every third batch divides by zero in its second query; its third is then aborted.
            let divisor = index % 3 == 1 ? "0" : "4"
            batches.append(QueryBatch([
                Query(Self.double, [String(index)]), Query(Self.divide, [divisor]), Query(Self.double, [String(index)]),
            ], isReadOnly: true))
        }
        let results = try XCTUnwrap(harness.runAll(batches))
        for (index, result) in results.enumerated() {
            if index % 3 == 1 {
                XCTAssertEqual(result.error?.kind, .server, "batch \(index)")
                XCTAssertEqual(result.error?.sqlState, "22012", "batch \(index): division_by_zero")
            } else {
                let values = try result.get().map { $0.rows.first?.first?.int }
                XCTAssertEqual(values, [index * 2, 25, index * 2], "batch \(index)")
            }
        }
    }

    func testFailingStatementRollsBackTheWholeWriteBatch() throws {
        let harness = makeHarness()
        defer { harness.shutdown() }
        let failing = QueryBatch([
            Query(Self.insert, ["1", "first"]), Query(Self.insert, ["2", "second"]), Query(Self.insert, ["1", "duplicate"]),
        ], isReadOnly: false)
        let succeeding = QueryBatch([Query(Self.insert, ["10", "ten"]), Query(Self.insert, ["11", "eleven"])], isReadOnly: false)
        let results = try XCTUnwrap(harness.runAll([failing, succeeding]))
        XCTAssertEqual(results[0].error?.kind, .server)
        XCTAssertEqual(results[0].error?.isUniqueViolation, true, "\(results[0])")
        XCTAssertNil(results[1].error)

        let admin = try database.connect()
        let ids = try admin.execute("SELECT id FROM notes ORDER BY id").rows.map { $0[0].int }
        XCTAssertEqual(ids, [10, 11], "the failed batch must leave nothing behind")
    }

    func testErrorAtCommitFailsTheBatchAndRollsBack() throws {
        let harness = makeHarness()
        defer { harness.shutdown() }
        // The deferred unique constraint is only checked at COMMIT, i.e. at the Sync.
        let batch = QueryBatch([Query(Self.insertDeferred, ["7"]), Query(Self.insertDeferred, ["7"])], isReadOnly: false)
        let after = QueryBatch([Query(Self.insertDeferred, ["8"])], isReadOnly: false)
        let results = try XCTUnwrap(harness.runAll([batch, after]))
        XCTAssertEqual(results[0].error?.sqlState, "23505", "\(results[0])")
        XCTAssertNil(results[1].error, "the next batch proceeds")
        let admin = try database.connect()
        XCTAssertEqual(try admin.execute("SELECT id FROM deferred_notes ORDER BY id").rows.map { $0[0].int }, [8])
    }

    func testStatementTimeoutIsReportedWithItsSQLState() throws {
        let harness = makeHarness(statementTimeout: 200)
        defer { harness.shutdown() }
        let started = Date()
        let result = try XCTUnwrap(harness.run(QueryBatch([Query(Self.sleep, ["3"])], isReadOnly: true)))
        XCTAssertEqual(result.error?.sqlState, "57014", "query_canceled by statement_timeout: \(result)")
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        XCTAssertEqual(harness.run(QueryBatch([Query(Self.double, ["21"])], isReadOnly: true))?.rows?.first?.first?.int, 42)
    }

    func testDeadlineAnswersTimeoutAndThePoolKeepsServing() throws {
        let harness = makeHarness(poolSize: 2, statementTimeout: 3_000, deadline: 300)
        defer { harness.shutdown() }
        let started = Date()
        let slow = try XCTUnwrap(harness.run(QueryBatch([Query(Self.sleep, ["1.5"])], isReadOnly: true), seconds: 5))
        XCTAssertEqual(slow.error?.kind, .timeout)
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.0, "the caller is answered at its deadline, not when the query ends")
        // The connection still running the slow query takes no new work; the other one does.
        let quick = try XCTUnwrap(harness.run(QueryBatch([Query(Self.double, ["5"])], isReadOnly: true), seconds: 5))
        XCTAssertEqual(quick.rows?.first?.first?.int, 10)
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.2)
        XCTAssertEqual(harness.stats.timeouts, 1)
    }

    func testParameterWithNulByteIsRefusedBeforeSending() throws {
        let harness = makeHarness()
        defer { harness.shutdown() }
        let result = try XCTUnwrap(harness.run(QueryBatch([Query(Self.insert, ["1", "a\u{0}b"])], isReadOnly: false)))
        XCTAssertEqual(result.error?.kind, .server)
        XCTAssertEqual(result.error?.sqlState, "22021")
        let admin = try database.connect()
        XCTAssertEqual(try admin.execute("SELECT count(*) FROM notes").rows[0][0].int, 0)
    }

    func testUnknownStatementFailsOnlyItsBatch() throws {
        let harness = makeHarness()
        defer { harness.shutdown() }
        let unknown = PreparedStatement(name: "never_prepared", sql: "SELECT 1")
        let results = try XCTUnwrap(harness.runAll([
            QueryBatch([Query(unknown)], isReadOnly: true), QueryBatch([Query(Self.double, ["2"])], isReadOnly: true),
        ]))
        XCTAssertEqual(results[0].error?.sqlState, "26000", "invalid_sql_statement_name: \(results[0])")
        XCTAssertEqual(results[1].rows?.first?.first?.int, 4)
    }
}
