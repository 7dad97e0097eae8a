import HTTP
@testable import LeadsAPI
import XCTest

/// The numbers and headers of a counted window (no database).
final class RateLimitWindowTests: XCTestCase {
    func testWithinLimit() {
        let status = RateLimitWindow(hits: 3, windowStart: 1_800_000_000, secondsLeft: 17).status(limit: 10)
        XCTAssertEqual(status, RateLimitStatus(limit: 10, remaining: 7, resetAt: 1_800_000_060, retryAfter: 17, exceeded: false))
        var response = HTTPResponse.message(200, "ok")
        status.apply(to: &response)
        XCTAssertEqual(response.headers["X-RateLimit-Limit"], "10")
        XCTAssertEqual(response.headers["X-RateLimit-Remaining"], "7")
        XCTAssertNil(response.headers["Retry-After"])
    }

    func testExactlyTheLimitIsAdmitted() {
        XCTAssertFalse(RateLimitWindow(hits: 10, windowStart: 0, secondsLeft: 5).status(limit: 10).exceeded)
        let over = RateLimitWindow(hits: 11, windowStart: 60, secondsLeft: 5).status(limit: 10)
        XCTAssertTrue(over.exceeded)
        var response = HTTPResponse.message(429, "Too Many Attempts.")
        over.apply(to: &response)
        XCTAssertEqual(response.headers["X-RateLimit-Remaining"], "0")
        XCTAssertEqual(response.headers["Retry-After"], "5")
        XCTAssertEqual(response.headers["X-RateLimit-Reset"], "120")
    }

    func testRetryAfterStaysWithinTheWindow() {
        XCTAssertEqual(RateLimitWindow(hits: 99, windowStart: 0, secondsLeft: 0).status(limit: 1).retryAfter, 1)
        XCTAssertEqual(RateLimitWindow(hits: 99, windowStart: 0, secondsLeft: 61).status(limit: 1).retryAfter, 60)
    }

    func testStricterOfTwoCounters() {
        let guest = RateLimitWindow(hits: 4, windowStart: 0, secondsLeft: 9).status(limit: 30)
        let login = RateLimitWindow(hits: 4, windowStart: 0, secondsLeft: 9).status(limit: 6)
        XCTAssertEqual(RateLimitWindow.stricter(guest, login), login)
        let guestOver = RateLimitWindow(hits: 31, windowStart: 0, secondsLeft: 9).status(limit: 30)
        let loginFine = RateLimitWindow(hits: 1, windowStart: 0, secondsLeft: 9).status(limit: 6)
        XCTAssertEqual(RateLimitWindow.stricter(loginFine, guestOver), guestOver)
    }

    func testKeysDoNotCollide() {
        XCTAssertEqual(RateLimitKey.token(5), "t:5")
        XCTAssertEqual(RateLimitKey.guest("::1"), "ip:::1")
        XCTAssertEqual(RateLimitKey.login("::1"), "login:::1")
        XCTAssertEqual(RateLimitKey.guest(String(repeating: "a", count: 500)).utf8.count, 3 + 64)
        XCTAssertFalse(RateLimitKey.guest(String(repeating: "é", count: 100)).isEmpty)
    }
}
