@testable import leadsd
import XCTest

/// Pure parsing of `--expires-in` and `--abilities`.
final class TokenOptionParsingTests: XCTestCase {
    func testDurations() throws {
        XCTAssertEqual(try TokenLifetime(parsing: "90m").seconds, 5_400)
        XCTAssertEqual(try TokenLifetime(parsing: "12h").seconds, 43_200)
        XCTAssertEqual(try TokenLifetime(parsing: "30d").seconds, 2_592_000)
        XCTAssertEqual(try TokenLifetime(parsing: "1w2d").seconds, 777_600)
        XCTAssertEqual(try TokenLifetime(parsing: "45s").seconds, 45)
        XCTAssertEqual(try TokenLifetime(parsing: "1H30M").seconds, 5_400)
    }

    func testBadDurationsAreRefused() {
        for text in ["", "10", "m", "-5m", "5x", "1.5h", "0m", "99999999999999999999d", "100000w", "5m ", "٣m"] {
            XCTAssertThrowsError(try TokenLifetime(parsing: text), text)
        }
    }

    func testAbilitiesBecomeAJSONList() throws {
        XCTAssertEqual(try AbilityList(parsing: "*").json, #"["*"]"#)
        XCTAssertEqual(try AbilityList(parsing: " view crm leads ,edit crm leads").json, #"["view crm leads","edit crm leads"]"#)
        XCTAssertEqual(try AbilityList(parsing: #"a"b\c"#).json, #"["a\"b\\c"]"#)
        XCTAssertEqual(try AbilityList(parsing: "tab\there").json, #"["tab\there"]"#)
        XCTAssertEqual(try AbilityList(parsing: "x\u{1}").json, #"["x\u0001"]"#)
    }

    func testEmptyAbilitiesAreRefused() {
        for text in ["", ",", "a,", " , b"] {
            XCTAssertThrowsError(try AbilityList(parsing: text), text)
        }
    }
}
