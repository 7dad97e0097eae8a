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

    /// `{"message": "..."}` with the message escaped per RFC 8259.
    public static func message(_ status: Int, _ message: String, route: String? = nil) -> HTTPResponse {
        var body: [UInt8] = Array("{\"message\":".utf8)
        JSONString.append(message, to: &body)
        body.append(UInt8(ascii: "}"))
        return json(status, body, route: route)
    }
}

/// The one piece of JSON the HTTP layer writes itself (its error bodies); the API's full
/// JSON writer lives above and reuses this escaping.
public enum JSONString {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `"text"` escaped per RFC 8259 (control characters as \u00XX, `"` and `\`).
    public static func append(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(byte)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(byte)
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0x00..<0x20, 0x7F:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
