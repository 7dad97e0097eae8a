/// One execution of a prepared statement with its parameters.
public struct Query: Sendable {
    public let statement: PreparedStatement
    public let parameters: [PostgresParameter]

    public init(_ statement: PreparedStatement, _ parameters: [PostgresParameter] = []) {
        self.statement = statement
        self.parameters = parameters
    }
}

/// The queries of one request, sent as one pipeline segment closed by a single Sync.
///
/// PostgreSQL runs everything between two Syncs as one implicit transaction: either every
/// statement of the batch takes effect or none does, and the batch's success is reported
/// only once the Sync's result arrived, that is after the commit. That is how a write gets
/// BEGIN … COMMIT semantics in one round trip.
public struct QueryBatch: Sendable {
    public var queries: [Query]
    /// A read-only batch may be retried once on another connection when its connection
    /// breaks before the results arrived; a write never is.
    public var isReadOnly: Bool
    /// The commit waits for PostgreSQL to flush WAL to disk. Such a batch holds its connection
    /// for that flush, so the pool sends it where no other one waits (see PostgresPool's
    /// burst connections). False for writes that commit with `synchronous_commit` off.
    public var awaitsDurableCommit: Bool

    /// `awaitsDurableCommit` defaults to "is a write".
    public init(_ queries: [Query], isReadOnly: Bool, awaitsDurableCommit: Bool? = nil) {
        self.queries = queries
        self.isReadOnly = isReadOnly
        self.awaitsDurableCommit = awaitsDurableCommit ?? !isReadOnly
    }
}
