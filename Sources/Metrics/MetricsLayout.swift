/// The fixed shape of the shared metrics region. Every process maps the same bytes, so the
/// layout is decided by constants here and never by anything a process learns at run time
/// (except the slot count, written in the header by the master).
public enum MetricsLayout {
    /// Distinct route labels; a route past this is counted under `overflowRoute`.
    public static let maxRoutes = 64
    /// Bytes of a route name kept in the region (longer names are cut on a character boundary).
    public static let routeNameBytes = 112
    public static let overflowRoute = "(other)"
    /// The label of a request that matched no route (404/405, parse errors).
    public static let unmatchedRoute = "(unmatched)"

    /// Status codes counted individually; any other code is counted under its class (`4xx`).
    public static let statuses: [Int] = [
        200, 201, 202, 204, 206, 301, 302, 304, 307, 308,
        400, 401, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414, 415, 417, 422, 428, 429, 431,
        500, 501, 502, 503, 504, 505,
    ]
    /// Labels of the columns: the statuses above, then one per class 1xx…5xx.
    public static let statusLabels: [String] = statuses.map(String.init) + ["1xx", "2xx", "3xx", "4xx", "5xx"]

    /// Upper bounds of the latency histogram in microseconds; one more bucket is +Inf.
    public static let latencyBucketsMicroseconds: [UInt64] = [
        1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000,
    ]

    static func statusColumn(_ status: Int) -> Int {
        if let index = statuses.firstIndex(of: status) { return index }
        let hundreds = min(max(status / 100, 1), 5)
        return statuses.count + hundreds - 1
    }

    static func bucket(_ microseconds: UInt64) -> Int {
        latencyBucketsMicroseconds.firstIndex { microseconds <= $0 } ?? latencyBucketsMicroseconds.count
    }

    // Word offsets (one word = 8 bytes). Header, then the route table, then the slots.
    static let headerWords = 8
    static let headerMagic = 0, headerSlotCount = 1, headerWorkerRestarts = 2, headerLiveWorkers = 3, headerReloads = 4
    static let magic: UInt64 = 0x6C65_6164_7364_4D31  // "leadsdM1"

    /// A route entry: state (0 free, 1 being written, 2 ready), name length, name bytes.
    static let routeEntryWords = 2 + routeNameBytes / 8
    static let routeTableOffset = headerWords
    static let routeTableWords = maxRoutes * routeEntryWords

    static var statusColumns: Int { statusLabels.count }
    static var bucketColumns: Int { latencyBucketsMicroseconds.count + 1 }
    /// Per route: buckets, then the sum of microseconds, then the count.
    static var histogramWordsPerRoute: Int { bucketColumns + 2 }

    // Offsets inside a slot.
    static let slotOpenConnections = 0
    static let slotConnectionsAccepted = 1
    static let slotTLSHandshakeFailures = 2
    // Gauges of the worker's PostgreSQL pool.
    static let slotDatabaseConnectionsUp = 3
    static let slotDatabaseConnectionsConnecting = 4
    static let slotDatabaseBatchesPending = 5
    static let slotRateLimitRejections = 6  // one per RateLimitKind: 6, 7, 8
    static let slotDatabaseBatchesInFlight = 9
    // Counters of the pool (kept across the workers that use the slot, see WorkerMetrics).
    static let slotDatabaseCounters = 10  // one per DatabasePoolSample.counterValues: 10…15
    static let slotAccessLogDroppedLines = 16
    static let slotScalarWords = 17
    static let databaseGauges = [slotDatabaseConnectionsUp, slotDatabaseConnectionsConnecting, slotDatabaseBatchesPending, slotDatabaseBatchesInFlight]
    static var slotRequestsOffset: Int { slotScalarWords }
    static var slotHistogramOffset: Int { slotRequestsOffset + maxRoutes * statusColumns }
    static var slotWords: Int { slotHistogramOffset + maxRoutes * histogramWordsPerRoute }

    static func slotOffset(_ slot: Int) -> Int { routeTableOffset + routeTableWords + slot * slotWords }

    static func totalWords(slots: Int) -> Int { slotOffset(slots) }
}

/// Which limit rejected a request.
public enum RateLimitKind: Int, CaseIterable, Sendable {
    case token = 0, guest = 1, login = 2

    var label: String {
        switch self {
        case .token: "token"
        case .guest: "guest"
        case .login: "login"
        }
    }
}

/// One look at a worker's PostgreSQL pool (the data layer's `PostgresPool.stats`).
public struct DatabasePoolSample: Sendable, Equatable {
    public var connectionsUp: Int
    public var connectionsConnecting: Int
    public var batchesInFlight: Int
    public var batchesPending: Int
    /// Counters since the pool was made.
    public var batchesSucceeded: UInt64
    public var serverErrors: UInt64
    public var rejected: UInt64
    public var timeouts: UInt64
    public var connectionsLost: UInt64
    public var connectFailures: UInt64

    public init(
        connectionsUp: Int = 0, connectionsConnecting: Int = 0, batchesInFlight: Int = 0, batchesPending: Int = 0,
        batchesSucceeded: UInt64 = 0, serverErrors: UInt64 = 0, rejected: UInt64 = 0, timeouts: UInt64 = 0,
        connectionsLost: UInt64 = 0, connectFailures: UInt64 = 0
    ) {
        self.connectionsUp = connectionsUp
        self.connectionsConnecting = connectionsConnecting
        self.batchesInFlight = batchesInFlight
        self.batchesPending = batchesPending
        self.batchesSucceeded = batchesSucceeded
        self.serverErrors = serverErrors
        self.rejected = rejected
        self.timeouts = timeouts
        self.connectionsLost = connectionsLost
        self.connectFailures = connectFailures
    }

    /// In the order of the slot's counter words.
    var counterValues: [UInt64] { [batchesSucceeded, serverErrors, rejected, timeouts, connectionsLost, connectFailures] }
}
