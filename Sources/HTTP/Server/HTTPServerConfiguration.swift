/// Limits and timeouts of the worker's HTTP server; every value a client can push against.
public struct HTTPServerConfiguration: Sendable {
    /// Request line including its CRLF; past it → 431.
    public var maxRequestLineBytes = 8 * 1024
    /// Header section (field lines with their CRLFs, not the request line); past it → 431.
    public var maxHeaderBytes = 32 * 1024
    /// Header field lines; past it → 431.
    public var maxHeaderCount = 100
    /// Decoded body; past it → 413 (decided from Content-Length before reading any of it).
    public var maxBodyBytes = 1024 * 1024
    /// Chunk-extension bytes summed over one chunked body; past it → 400.
    public var maxChunkExtensionBytes = 4 * 1024
    /// Trailer section of a chunked body (discarded); past it → 431.
    public var maxTrailerBytes = 4 * 1024

    /// Open connections per worker; at the limit the worker stops accepting.
    public var maxConnections = 1024
    /// Requests read ahead of their responses on one connection before reading pauses.
    public var maxPipelinedRequests = 16

    /// Seconds from accept until the TLS handshake (and PROXY header) is done.
    public var handshakeTimeout: Double = 10
    /// Seconds from the first byte of a request until its header section is complete.
    public var headerTimeout: Double = 10
    /// Seconds from the end of the header section until the body is complete.
    public var bodyTimeout: Double = 30
    /// Seconds a keep-alive connection may wait for its next request.
    public var idleTimeout: Double = 60
    /// Seconds a response may wait for the client to read it without any progress.
    public var writeTimeout: Double = 30

    /// Peers whose PROXY header and `X-Forwarded-*` fields are believed.
    public var trustedProxies: [CIDR] = []

    /// `Retry-After` seconds on the server's own 503 (`/readyz` while not ready or draining).
    public var retryAfterSeconds = 5

    public init() {}
}
