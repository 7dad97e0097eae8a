/// Why a request was rejected before it reached the application. Each case closes the
/// connection after its response: the framing of anything that follows cannot be trusted.
public enum HTTPParseError: Error, Equatable, Sendable {
    /// Malformed or ambiguous HTTP; the reason is for tests and debugging, never sent.
    case badRequest(String)
    /// Request line, header section, header count or trailer section over its limit.
    case headerFieldsTooLarge
    /// The body is (or would become) larger than allowed.
    case payloadTooLarge

    /// The contract §8 response for this error.
    public var response: HTTPResponse {
        switch self {
        case .badRequest: return .message(400, "Bad Request.")
        case .headerFieldsTooLarge: return .message(431, "Request Header Fields Too Large.")
        case .payloadTooLarge: return .message(413, "Payload Too Large.")
        }
    }
}
