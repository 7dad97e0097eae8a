/// One counter's state as the upsert returned it, turned into the headers' numbers.
public struct RateLimitWindow: Sendable, Equatable {
    /// Length of every window, in seconds. Fixed windows give Laravel's headers directly.
    public static let seconds = 60

    /// Hits in this window including the current request.
    public var hits: Int
    /// Unix time (database clock) at which the window began; a multiple of 60.
    public var windowStart: Int
    /// Whole seconds from the database's now to the window's end, 1…60.
    public var secondsLeft: Int

    public init(hits: Int, windowStart: Int, secondsLeft: Int) {
        self.hits = hits
        self.windowStart = windowStart
        self.secondsLeft = secondsLeft
    }

    /// The request is admitted when it is one of the first `limit` in its window, so across all
    /// workers exactly `limit` requests get through.
    public func status(limit: Int) -> RateLimitStatus {
        RateLimitStatus(
            limit: limit,
            remaining: max(0, limit - hits),
            resetAt: windowStart + Self.seconds,
            retryAfter: min(Self.seconds, max(1, secondsLeft)),
            exceeded: hits > limit
        )
    }

    /// Of two counters a request was counted against, the one whose headers the client should
    /// see: a refusing one first, else the one with fewer requests left (then the smaller limit).
    public static func stricter(_ a: RateLimitStatus, _ b: RateLimitStatus) -> RateLimitStatus {
        if a.exceeded != b.exceeded { return a.exceeded ? a : b }
        if a.remaining != b.remaining { return a.remaining < b.remaining ? a : b }
        return a.limit <= b.limit ? a : b
    }
}
