import Dispatch

// INTERFACE CONTRACT (the data-layer issue implements the body; callers code against this).
//
/// A worker's connections to PostgreSQL, confined to the worker's serial queue.
///
/// Every method must be called on `queue`, and every completion runs on `queue`.
public final class PostgresPool {
    public let configuration: PostgresConfiguration
    public let queue: DispatchQueue

    public init(configuration: PostgresConfiguration, statements: [PreparedStatement], queue: DispatchQueue) {
        self.configuration = configuration
        self.queue = queue
    }

    /// Opens the connections (non-blocking) and keeps them open, reconnecting with backoff.
    public func start() {}

    /// Closes every connection after the batches in flight are answered.
    public func shutdown(completion: @escaping () -> Void) { completion() }

    /// True while at least one connection is up and prepared.
    public var isReady: Bool { false }

    /// Runs the batch as one pipeline segment (one implicit transaction). On success the
    /// results come back in the order of `batch.queries`.
    public func run(_ batch: QueryBatch, completion: @escaping (Result<[QueryResult], PostgresError>) -> Void) {
        completion(.failure(PostgresError(kind: .unavailable, message: "pool not implemented")))
    }
}
