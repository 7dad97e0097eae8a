@testable import Postgres
import XCTest

final class ReconnectBackoffTests: XCTestCase {
    func testDoublesUpToTheCapWithJitterInTheUpperHalf() {
        let backoff = ReconnectBackoff(initialMilliseconds: 50, maxMilliseconds: 1_000)
        let lowest = { (range: ClosedRange<Int>) in range.lowerBound }
        let highest = { (range: ClosedRange<Int>) in range.upperBound }
        XCTAssertEqual(backoff.delayMilliseconds(afterFailures: 0, random: highest), 50)
        XCTAssertEqual(backoff.delayMilliseconds(afterFailures: 0, random: lowest), 25)
        XCTAssertEqual(backoff.delayMilliseconds(afterFailures: 1, random: highest), 100)
        XCTAssertEqual(backoff.delayMilliseconds(afterFailures: 4, random: highest), 800)
        XCTAssertEqual(backoff.delayMilliseconds(afterFailures: 5, random: highest), 1_000)
        XCTAssertEqual(backoff.delayMilliseconds(afterFailures: 5, random: lowest), 500)
        XCTAssertEqual(backoff.delayMilliseconds(afterFailures: 1_000, random: highest), 1_000, "no overflow")
    }

    func testRandomDelaysStayInRangeAndSpread() {
        let backoff = ReconnectBackoff(initialMilliseconds: 100, maxMilliseconds: 5_000)
        let delays = (0..<200).map { _ in backoff.delayMilliseconds(afterFailures: 3) }
        XCTAssertTrue(delays.allSatisfy { (400...800).contains($0) })
        XCTAssertGreaterThan(Set(delays).count, 20, "jitter spreads the workers out")
    }
}
