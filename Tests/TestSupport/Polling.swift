import Foundation

/// Polls `condition` every 50 ms until it holds or `timeout` seconds pass; returns its last
/// answer. For waiting on a daemon's log line or state without sleeping a fixed time:
///
///     XCTAssertTrue(waitUntil(10) { daemon.stderr().contains("\"reloaded\"") })
public func waitUntil(_ timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(50_000)
    }
    return condition()
}
