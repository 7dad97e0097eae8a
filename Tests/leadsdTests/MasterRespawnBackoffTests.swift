import XCTest
@testable import leadsd

final class MasterRespawnBackoffTests: XCTestCase {
    private let second: UInt64 = 1_000_000_000

    func testQuickDeathsDoubleTheDelayUpToTheCap() {
        var backoff = RespawnBackoff()
        var now: UInt64 = 100 * second
        var delays: [UInt64] = []
        for _ in 0..<10 {
            let delay = backoff.workerDied(startedAt: now, now: now + 1_000)
            delays.append(delay / 1_000_000)
            XCTAssertFalse(backoff.mayStart(now: now + 1_000 + delay - 1))
            XCTAssertTrue(backoff.mayStart(now: now + 1_000 + delay))
            now += delay + 1_000
        }
        XCTAssertEqual(delays, [100, 200, 400, 800, 1_600, 3_200, 6_400, 10_000, 10_000, 10_000])
    }

    func testAWorkerThatLivedAWhileResetsTheCount() {
        var backoff = RespawnBackoff()
        for _ in 0..<5 { backoff.workerDied(startedAt: 0, now: 1) }
        XCTAssertEqual(backoff.consecutiveFailures, 5)
        let delay = backoff.workerDied(startedAt: 0, now: 60 * second)
        XCTAssertEqual(delay, 0)
        XCTAssertEqual(backoff.consecutiveFailures, 0)
        XCTAssertTrue(backoff.mayStart(now: 60 * second))
        XCTAssertEqual(backoff.workerDied(startedAt: 60 * second, now: 60 * second + 1), 100_000_000)
    }
}
