/// Why a query did not produce a result.
///
/// The API layer maps these to HTTP: `.unavailable` and `.connectionLost` become 503 with
/// `Retry-After`; `.server` is inspected by SQLSTATE (for example `23505` unique_violation).
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The server answered with an error for this request's segment; the segment rolled back.
        case server
        /// No connection is up, or the pending queue is full: fail fast.
        case unavailable
        /// The connection broke while this request was in flight. For a write, whether it
        /// committed is unknown to the client unless `committed` says otherwise.
        case connectionLost
        /// The per-request deadline passed before a result arrived.
        case timeout
        /// A connection could not be opened (bad DATABASE_URL, auth failure, ...).
        case connect
    }

    public var kind: Kind
    /// Five-character SQLSTATE when the server sent one (`23505`, `40001`, `57014`, ...).
    public var sqlState: String?
    /// Server or libpq message. Never sent to HTTP clients; may be logged.
    public var message: String

    public init(kind: Kind, sqlState: String? = nil, message: String) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
    }

    public var description: String {
        if let sqlState { return "\(kind) [\(sqlState)]: \(message)" }
        return "\(kind): \(message)"
    }

    public var isUniqueViolation: Bool { sqlState == "23505" }
}
