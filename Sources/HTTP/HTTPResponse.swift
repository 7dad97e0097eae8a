/// A response as the application builds it. The server adds `Content-Length`, `Date`,
/// `Connection` and `X-Request-Id`, and drops the body of a HEAD response and of a 204.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The route pattern for the access log and metrics (`/crm/api/v2/leads/{uuid}`), or nil
    /// for an unmatched path. Never the raw path: that would let clients explode label sets.
    public var route: String?

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], route: String? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.route = route
    }

    /// A JSON response (`Content-Type: application/json`).
    public static func json(_ status: Int, _ body: [UInt8], route: String? = nil) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        return HTTPResponse(status: status, headers: headers, body: body, route: route)
    }

    /// The same response, labelled with `route`.
    public func routed(_ route: String?) -> HTTPResponse {
        var response = self
        response.route = route
        return response
    }

    /// `{"message": "..."}` with the message escaped per RFC 8259.
    public static func message(_ status: Int, _ message: String, route: String? = nil) -> HTTPResponse {
        var body: [UInt8] = Array("{\"message\":".utf8)
        JSONEscaping.appendString(message.utf8, to: &body)
        body.append(UInt8(ascii: "}"))
        return json(status, body, route: route)
    }
}
