import Foundation

/// Polls `condition` every 20 ms until it holds or `timeout` seconds pass; returns its last
/// value. For tests that wait for a daemon or a database to get somewhere.
public func waitUntil(_ timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
