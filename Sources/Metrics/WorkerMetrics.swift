import Synchronization

/// What one worker records into its own slot of the shared region. Used only on the worker's
/// serial queue (the route cache is not locked).
public final class WorkerMetrics: @unchecked Sendable {
    // Sendable: shared-memory words are atomics; `routeCache` is only used on the worker queue.
    public let region: MetricsRegion
    public let slot: Int
    private let offset: Int
    private var routeCache: [String: Int] = [:]
    private var databaseCounterBase: [UInt64]?

    init(region: MetricsRegion, slot: Int) {
        self.region = region
        self.slot = slot
        self.offset = MetricsLayout.slotOffset(slot)
    }

    /// The worker's recorder, installed once after fork before the worker's queue starts;
    /// nil in the master and in tests that do not install one. The data layer and the rate
    /// limiter record through it (`WorkerMetrics.current?.recordRateLimitRejection(.token)`).
    public static var current: WorkerMetrics? { installed }
    // Written once before any other thread of the process exists, read-only afterwards.
    nonisolated(unsafe) private static var installed: WorkerMetrics?

    public static func install(_ metrics: WorkerMetrics) { installed = metrics }

    private func add(_ word: Int, _ amount: UInt64 = 1) {
        region.base[offset + word].wrappingAdd(amount, ordering: .relaxed)
    }

    private func set(_ word: Int, _ value: Int) {
        region.base[offset + word].store(UInt64(max(value, 0)), ordering: .relaxed)
    }

    /// One answered request. `route` is the pattern (never the raw path); nil = unmatched.
    public func recordRequest(route: String?, status: Int, durationMicroseconds: UInt64) {
        let column = routeColumn(route ?? MetricsLayout.unmatchedRoute)
        add(MetricsLayout.slotRequestsOffset + column * MetricsLayout.statusColumns + MetricsLayout.statusColumn(status))
        let histogram = MetricsLayout.slotHistogramOffset + column * MetricsLayout.histogramWordsPerRoute
        add(histogram + MetricsLayout.bucket(durationMicroseconds))
        add(histogram + MetricsLayout.bucketColumns, durationMicroseconds)
        add(histogram + MetricsLayout.bucketColumns + 1)
    }

    public func connectionOpened() {
        add(MetricsLayout.slotOpenConnections)
        add(MetricsLayout.slotConnectionsAccepted)
    }

    public func connectionClosed() {
        // Two's complement: adding UInt64.max subtracts one.
        add(MetricsLayout.slotOpenConnections, UInt64.max)
    }

    public func recordTLSHandshakeFailure() { add(MetricsLayout.slotTLSHandshakeFailures) }

    /// The data layer's pool: gauges as they are now, counters as totals since the pool was
    /// made. The slot's counters continue those of the workers that had the slot before,
    /// so the first sample takes what is there as the base.
    public func recordDatabasePool(_ sample: DatabasePoolSample) {
        set(MetricsLayout.slotDatabaseConnectionsUp, sample.connectionsUp)
        set(MetricsLayout.slotDatabaseConnectionsConnecting, sample.connectionsConnecting)
        set(MetricsLayout.slotDatabaseBatchesInFlight, sample.batchesInFlight)
        set(MetricsLayout.slotDatabaseBatchesPending, sample.batchesPending)
        let values = sample.counterValues
        if databaseCounterBase == nil {
            databaseCounterBase = values.indices.map { region.word(offset + MetricsLayout.slotDatabaseCounters + $0) }
        }
        for (index, value) in values.enumerated() {
            region.base[offset + MetricsLayout.slotDatabaseCounters + index].store(databaseCounterBase![index] &+ value, ordering: .relaxed)
        }
    }

    /// Access log lines dropped because stdout took nothing (see the worker's AccessLog).
    public func recordAccessLogDroppedLines(_ count: Int) {
        add(MetricsLayout.slotAccessLogDroppedLines, UInt64(max(count, 0)))
    }

    public func recordRateLimitRejection(_ kind: RateLimitKind) {
        add(MetricsLayout.slotRateLimitRejections + kind.rawValue)
    }

    private func routeColumn(_ name: String) -> Int {
        if let cached = routeCache[name] { return cached }
        if let index = region.routeIndex(name) {
            routeCache[name] = index
            return index
        }
        routeCache[name] = 0  // The table is full: column 0 is the overflow label.
        return 0
    }
}
