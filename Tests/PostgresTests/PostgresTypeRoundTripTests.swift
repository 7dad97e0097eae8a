import Postgres
import TestSupport
import XCTest

/// Values go out as text parameters and come back as text cells, unchanged.
final class PostgresTypeRoundTripTests: XCTestCase {
    private var database: TestDatabase!

    override func setUpWithError() throws { database = try TestDatabase(prefix: "pg_types", migrate: false) }
    override func tearDown() { database?.drop() }

    private static let echo = PreparedStatement(
        name: "echo",
        sql: "SELECT $1::int8 AS big, $2::int4 AS small, $3::text AS words, $4::bool AS flag, $5::text AS nothing, $6::timestamptz AS moment, $7::numeric AS amount, $8::timestamp AS local_moment",
        parameterTypes: [PostgresType.int8, PostgresType.int4, PostgresType.text, PostgresType.bool, PostgresType.text, PostgresType.timestamptz, 0, PostgresType.timestamp]
    )

    func testValuesRoundTrip() throws {
        let harness = PoolHarness(PostgresConfiguration(connectionString: database.url, poolSize: 1), statements: [Self.echo])
        defer { harness.shutdown() }
        XCTAssertTrue(harness.waitUntilReady())

        let text = "Grüße, 世界 🚀 \"quoted\" \\ back'slash"
        let cases: [(big: String, small: String, flag: String)] = [
            ("9223372036854775807", "2147483647", "true"),
            ("-9223372036854775808", "-2147483648", "false"),
            ("0", "0", "t"),
        ]
        for entry in cases {
            let result = harness.run(QueryBatch([Query(Self.echo, [
                entry.big, entry.small, text, entry.flag, nil,
                "2024-03-01 12:34:56.789+02", "12345678901234567890.0125", "2024-03-01 12:34:56",
            ])], isReadOnly: true))
            let rows = try XCTUnwrap(result?.rows, "\(String(describing: result))")
            XCTAssertEqual(rows.count, 1)
            let row = rows[0]
            XCTAssertEqual(row[0].int, Int(entry.big))
            XCTAssertEqual(row[1].int, Int(entry.small))
            XCTAssertEqual(row[2].string, text)
            XCTAssertEqual(row[3].bool, entry.flag.hasPrefix("t"))
            XCTAssertTrue(row[4].isNull)
            XCTAssertNil(row[4].string)
            // The session runs in UTC whatever the server's default: +02 comes back as +00.
            XCTAssertEqual(row[5].string, "2024-03-01 10:34:56.789+00")
            XCTAssertEqual(row[6].string, "12345678901234567890.0125")
            XCTAssertEqual(row[7].string, "2024-03-01 12:34:56")
        }
    }

    func testColumnNamesAndAffectedRows() throws {
        let create = PreparedStatement(name: "create", sql: "CREATE TABLE items (id int8 PRIMARY KEY, label text)")
        let insert = PreparedStatement(name: "insert", sql: "INSERT INTO items (id, label) SELECT g, 'item ' || g FROM generate_series(1, $1::int8) g")
        // A statement naming a table that does not exist cannot be prepared: table first.
        let admin = try database.connect()
        try admin.execute(create.sql)
        let pool = PoolHarness(PostgresConfiguration(connectionString: database.url, poolSize: 1), statements: [insert, Self.select])
        defer { pool.shutdown() }
        XCTAssertTrue(pool.waitUntilReady())
        let result = try XCTUnwrap(pool.run(QueryBatch([Query(insert, ["3"]), Query(Self.select, ["2"])], isReadOnly: false)))
        let results = try result.get()
        XCTAssertEqual(results.count, 2)
        XCTAssertEqual(results[0].affectedRows, 3)
        XCTAssertEqual(results[1].columnNames, ["id", "label"])
        XCTAssertEqual(results[1].column(named: "label"), 1)
        XCTAssertEqual(results[1].rows.map { $0[1].string }, ["item 1", "item 2"])
    }

    private static let select = PreparedStatement(name: "select", sql: "SELECT id, label FROM items WHERE id <= $1::int8 ORDER BY id")
}
