import COpenSSL

/// Why a TLS context could not be made; the text is for the operator, never for a client.
public struct TLSError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ what: String) {
        description = what + Self.drainOpenSSLErrors()
    }

    /// OpenSSL keeps a per-thread error queue; reading it empties it so later calls start clean.
    static func drainOpenSSLErrors() -> String {
        var text = ""
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let message = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            text += ": " + message
        }
        return text
    }
}
