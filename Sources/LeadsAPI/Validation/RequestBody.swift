import HTTP

/// The body checks of a write, in the contract's order: size (413), media type (415),
/// JSON object (400). An empty body counts as `{}`.
public enum RequestBody {
    public enum Failure: Error, Equatable {
        case tooLarge
        case unsupportedMediaType
        case malformed
    }

    public static func object(of request: HTTPRequest, maxBytes: Int) -> Result<JSONObject, Failure> {
        guard request.body.count <= maxBytes else { return .failure(.tooLarge) }
        guard request.body.contains(where: { !isJSONWhitespace($0) }) else { return .success(JSONObject()) }
        guard isJSONMediaType(request.headers["Content-Type"]) else { return .failure(.unsupportedMediaType) }
        guard case .object(let object)? = try? JSONParser.parse(request.body) else { return .failure(.malformed) }
        return .success(object)
    }

    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// `application/json` or any `type/subtype+json`, parameters allowed, case-insensitive.
    public static func isJSONMediaType(_ value: String?) -> Bool {
        guard let value else { return false }
        let mediaType = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let essence = LeadValidator.trim(String(mediaType)).lowercased()
        let parts = essence.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return false }
        return essence == "application/json" || parts[1].hasSuffix("+json")
    }
}
