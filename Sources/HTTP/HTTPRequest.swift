/// A complete, validated HTTP/1.1 request as handed to the application.
public struct HTTPRequest: Sendable {
    /// The method token as sent (`GET`, `POST`, …); HEAD is passed through as `HEAD`.
    public var method: String
    /// The request-target as sent (origin-form), e.g. `/crm/api/v2/leads?page=2`.
    public var target: String
    /// The path part of the target, not percent-decoded.
    public var path: String
    /// The raw query string after `?`, without the `?`; nil when there was none.
    public var query: String?
    public var headers: HTTPHeaders
    public var body: [UInt8]

    /// The client's address: the peer, or what a trusted proxy reported for it.
    public var clientAddress: String
    /// `https` or `http`: the connection's, or a trusted proxy's `X-Forwarded-Proto`.
    public var scheme: String
    /// The authority for absolute URLs: `Host`, or a trusted proxy's `X-Forwarded-Host`.
    public var host: String
    /// The client's `X-Request-Id` when sane, else one the server made.
    public var requestID: String

    public init(
        method: String, target: String, path: String, query: String?, headers: HTTPHeaders,
        body: [UInt8], clientAddress: String, scheme: String, host: String, requestID: String
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.clientAddress = clientAddress
        self.scheme = scheme
        self.host = host
        self.requestID = requestID
    }
}
