/// How a worker's pool connects and how much it lets queue up.
public struct PostgresConfiguration: Sendable {
    /// A libpq connection string: URI (`postgres://…`) or `key=value` pairs, as `DATABASE_URL`.
    public var connectionString: String
    /// Connections per worker, kept open.
    public var poolSize: Int
    /// Extra connections a worker may open while writes that wait for the disk pile up, and
    /// closes again after `burstIdleMilliseconds` without use. A commit holds its connection
    /// for a WAL flush; PostgreSQL flushes the commits of all waiting sessions at once, so
    /// writes side by side on several connections share one flush where writes queued on
    /// one connection pay one flush each. 0 = never more than `poolSize`.
    public var burstSize: Int
    public var burstIdleMilliseconds: Int
    /// Batches allowed to wait for a connection; past it `run` fails at once with `.unavailable`.
    public var maxPendingBatches: Int
    /// Batches in flight on one connection (pipeline depth).
    public var maxInFlightPerConnection: Int
    /// `statement_timeout` set on every connection, in milliseconds (0 = off).
    public var statementTimeoutMilliseconds: Int
    /// A batch not answered within this many milliseconds fails with `.timeout`.
    public var requestDeadlineMilliseconds: Int
    /// First and largest reconnect delay, in milliseconds (exponential backoff with jitter).
    public var reconnectInitialDelayMilliseconds: Int
    public var reconnectMaxDelayMilliseconds: Int
    /// Shown in pg_stat_activity (unless the connection string sets `application_name`).
    public var applicationName: String
    /// A connection attempt (TCP, TLS, authentication, preparing statements) not finished
    /// within this many milliseconds is abandoned and counts as a failed attempt.
    public var connectTimeoutMilliseconds: Int

    public init(
        connectionString: String,
        poolSize: Int = 4,
        burstSize: Int = 0,
        burstIdleMilliseconds: Int = 10_000,
        maxPendingBatches: Int = 1024,
        maxInFlightPerConnection: Int = 256,
        statementTimeoutMilliseconds: Int = 5_000,
        requestDeadlineMilliseconds: Int = 10_000,
        reconnectInitialDelayMilliseconds: Int = 50,
        reconnectMaxDelayMilliseconds: Int = 5_000,
        applicationName: String = "leadsd",
        connectTimeoutMilliseconds: Int = 5_000
    ) {
        self.connectionString = connectionString
        self.poolSize = poolSize
        self.burstSize = burstSize
        self.burstIdleMilliseconds = burstIdleMilliseconds
        self.maxPendingBatches = maxPendingBatches
        self.maxInFlightPerConnection = maxInFlightPerConnection
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.requestDeadlineMilliseconds = requestDeadlineMilliseconds
        self.reconnectInitialDelayMilliseconds = reconnectInitialDelayMilliseconds
        self.reconnectMaxDelayMilliseconds = reconnectMaxDelayMilliseconds
        self.applicationName = applicationName
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
    }
}
