/// What the server reports about each answered request (access log, metrics). It never
/// holds a header value other than the request id, nor a body: tokens cannot leak through it.
public struct RequestRecord: Sendable {
    public var method: String
    /// The route pattern from `HTTPResponse.route` (`/healthz`, `/readyz` for the server's
    /// own), nil for an unmatched path or a request rejected by the parser.
    public var route: String?
    public var status: Int
    /// Body bytes sent (0 for HEAD and 204).
    public var bytes: Int
    /// From the first byte of the request until its response was queued for writing.
    public var durationSeconds: Double
    public var clientAddress: String
    public var requestID: String
}

/// Why a connection failed before any request (for a handshake-failures counter).
public enum ConnectionFailure: Sendable, Equatable {
    case tlsHandshake
    case proxyHeader
    case handshakeTimeout
}
