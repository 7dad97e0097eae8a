import HTTP

/// The token of an `Authorization: Bearer <token>` header.
public enum BearerToken {
    /// Tokens longer than this are not looked up at all (SanctumToken.parse refuses them too).
    static let maximumLength = 512

    /// The token, or nil when the header is absent, not Bearer, or empty. The scheme name is
    /// matched case-insensitively (RFC 9110 §11.1); surrounding spaces are dropped.
    public static func extract(from headers: HTTPHeaders) -> Substring? {
        guard let value = headers["Authorization"] else { return nil }
        let text = Substring(value)
        let bytes = text.utf8
        guard bytes.count > 7 else { return nil }
        let scheme = bytes.prefix(7)
        guard HTTPHeaders.equalNames(String(decoding: scheme.prefix(6), as: UTF8.self), "Bearer"),
              scheme.last == UInt8(ascii: " ") else { return nil }
        let rest = text.dropFirst(7).drop { $0 == " " || $0 == "\t" }
        var token = rest
        while let last = token.last, last == " " || last == "\t" { token = token.dropLast() }
        guard !token.isEmpty, token.utf8.count <= maximumLength else { return nil }
        return token
    }
}
