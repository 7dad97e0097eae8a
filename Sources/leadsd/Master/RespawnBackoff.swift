/// When to start a worker again after one died. A worker that dies soon after it started
/// counts as a failure: each consecutive failure doubles the wait, up to a cap, so that a
/// crash loop (bad configuration, database gone at start) costs a few forks per second at
/// most. A worker that lived past `stableAfter` proves the setup works: the count restarts.
struct RespawnBackoff {
    var initialDelay: UInt64 = 100_000_000  // ns
    var maximumDelay: UInt64 = 10_000_000_000
    var stableAfter: UInt64 = 10_000_000_000
    private(set) var consecutiveFailures = 0
    /// No worker is started before this monotonic time.
    private(set) var notBefore: UInt64 = 0

    /// A worker that started at `startedAt` died at `now`; returns the delay chosen.
    @discardableResult
    mutating func workerDied(startedAt: UInt64, now: UInt64) -> UInt64 {
        if now &- startedAt >= stableAfter {
            consecutiveFailures = 0
            notBefore = now
            return 0
        }
        consecutiveFailures += 1
        let exponent = min(consecutiveFailures - 1, 40)
        let delay = min(initialDelay << UInt64(exponent), maximumDelay)
        notBefore = max(notBefore, now + delay)
        return delay
    }

    func mayStart(now: UInt64) -> Bool { now >= notBefore }
}
