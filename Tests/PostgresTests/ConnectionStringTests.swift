@testable import Postgres
import XCTest

final class ConnectionStringTests: XCTestCase {
    func testURIAndKeyValueFormsAreRewrittenToAnotherDatabase() throws {
        let fromURI = try ConnectionString.replacingDatabase(in: "postgresql://postgres@127.0.0.1:54329/postgres?sslmode=disable", with: "other")
        let parsed = Dictionary(uniqueKeysWithValues: try ConnectionString.parse(fromURI).map { ($0.key, $0.value) })
        XCTAssertEqual(parsed["dbname"], "other")
        XCTAssertEqual(parsed["host"], "127.0.0.1")
        XCTAssertEqual(parsed["port"], "54329")
        XCTAssertEqual(parsed["user"], "postgres")
        XCTAssertEqual(parsed["sslmode"], "disable")

        let fromPairs = try ConnectionString.replacingDatabase(in: "host=/tmp password='it\\'s \\\\ odd' dbname=a", with: "b c")
        let pairs = Dictionary(uniqueKeysWithValues: try ConnectionString.parse(fromPairs).map { ($0.key, $0.value) })
        XCTAssertEqual(pairs["dbname"], "b c")
        XCTAssertEqual(pairs["host"], "/tmp")
        XCTAssertEqual(pairs["password"], "it's \\ odd")
    }

    func testQuotingEscapesQuotesAndBackslashes() throws {
        XCTAssertEqual(ConnectionString.quote("a'b\\c"), "'a\\'b\\\\c'")
        let parsed = try ConnectionString.parse("password=\(ConnectionString.quote("a'b\\c d"))")
        XCTAssertEqual(parsed.first { $0.key == "password" }?.value, "a'b\\c d")
    }

    func testMalformedStringIsAConnectError() {
        XCTAssertThrowsError(try ConnectionString.parse("host"))
        do {
            _ = try ConnectionString.parse("postgresql://[::1")
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error.kind, .connect)
        }
    }
}
