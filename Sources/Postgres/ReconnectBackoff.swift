/// Delay before the next connection attempt: exponential in the number of failed attempts,
/// capped, with jitter so that the workers of every host do not reconnect in lockstep
/// after the database comes back.
struct ReconnectBackoff: Sendable {
    let initialMilliseconds: Int
    let maxMilliseconds: Int

    /// `failures` attempts in a row have failed (0 right after a healthy connection was lost).
    /// The result is in `[d/2, d]` where `d = min(max, initial * 2^failures)` ("equal jitter":
    /// never zero, so a flapping server is not hammered, yet spread out).
    func delayMilliseconds(afterFailures failures: Int, random: (ClosedRange<Int>) -> Int = { Int.random(in: $0) }) -> Int {
        let initial = max(1, initialMilliseconds)
        let cap = max(initial, maxMilliseconds)
        let shift = min(failures, 30)
        let (scaled, overflow) = initial.multipliedReportingOverflow(by: 1 << shift)
        let delay = overflow ? cap : min(cap, scaled)
        return random((delay / 2)...delay)
    }
}
