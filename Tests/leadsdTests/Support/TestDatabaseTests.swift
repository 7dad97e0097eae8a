import TestSupport
import XCTest

/// TestDatabase is shared by every test target: its URL rewriting and lifecycle must hold.
final class TestDatabaseTests: XCTestCase {
    func testConnectionStringNamesTheNewDatabase() {
        XCTAssertEqual(TestDatabase.connectionString("postgresql://postgres@127.0.0.1:54329/postgres", database: "d"),
                       "postgresql://postgres@127.0.0.1:54329/d")
        XCTAssertEqual(TestDatabase.connectionString("postgres://u:p@h/db?sslmode=disable", database: "d"),
                       "postgres://u:p@h/d?sslmode=disable")
        XCTAssertEqual(TestDatabase.connectionString("postgresql://h:5432", database: "d"), "postgresql://h:5432/d")
        XCTAssertEqual(TestDatabase.connectionString("postgresql://h?user=x", database: "d"), "postgresql://h/d?user=x")
        XCTAssertEqual(TestDatabase.connectionString("host=h port=1 dbname=postgres", database: "d"),
                       "host=h port=1 dbname=postgres dbname=d")
    }

    func testCreatesMigratesAndDropsAUniquelyNamedDatabase() throws {
        let first = try makeTestDatabase(prefix: "foundation_tdb")
        let second = try makeTestDatabase(prefix: "foundation_tdb", migrate: false)
        XCTAssertNotEqual(first.name, second.name)
        XCTAssertEqual(try first.connect().scalar("SELECT current_database()"), first.name)
        XCTAssertNotNil(try first.connect().scalar("SELECT to_regclass('crm_leads')"))
        XCTAssertNil(try second.connect().scalar("SELECT to_regclass('crm_leads')"))

        let open = try first.connect() // drop must not be blocked by a leftover connection
        first.drop()
        second.drop()
        first.drop()
        _ = open
        XCTAssertThrowsError(try first.connect())
    }
}
