/// A snapshot of one worker's pool, for metrics and logs.
public struct PostgresPoolStats: Sendable, Equatable {
    /// Connections ready to serve batches.
    public var connectionsUp = 0
    /// Connections being opened or preparing their statements.
    public var connectionsConnecting = 0
    /// Batches sent and not yet answered at their Sync.
    public var batchesInFlight = 0
    /// Batches waiting for a connection (including reads waiting for their retry).
    public var batchesPending = 0

    /// Counters since the pool was made.
    public var batchesSucceeded: UInt64 = 0
    /// Batches answered with a server error (`.server`, SQLSTATE set).
    public var serverErrors: UInt64 = 0
    /// Batches answered `.unavailable` (queue full, no connection, shut down).
    public var rejected: UInt64 = 0
    /// Batches answered `.timeout`.
    public var timeouts: UInt64 = 0
    /// Batches answered `.connectionLost` (writes in flight on a connection that broke).
    public var lostInFlight: UInt64 = 0
    /// Reads sent again after their connection broke.
    public var retriedReads: UInt64 = 0
    /// Connections that became ready after an earlier one of the same slot.
    public var reconnects: UInt64 = 0
    /// Connection attempts that failed.
    public var connectFailures: UInt64 = 0
    /// Ready connections that broke.
    public var connectionsLost: UInt64 = 0
    /// Burst connections opened (see `PostgresConfiguration.burstSize`), and those closed
    /// after standing idle.
    public var burstOpened: UInt64 = 0
    public var burstClosedIdle: UInt64 = 0

    /// Deadline ticks that found input (or a dead socket) before a socket event delivered it.
    /// Mostly a harmless race with the event; a steep rise would mean missed events, each
    /// of which then costs at most one tick (5–25 ms) instead of a stall.
    public var inputFoundByTick: UInt64 = 0

    public init() {}
}
