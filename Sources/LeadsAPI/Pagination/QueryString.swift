/// A raw query string split into its parameters, kept as sent (for page URLs) and decoded
/// (for reading values).
public struct QueryString: Sendable {
    public struct Parameter: Sendable {
        /// `name=value` exactly as the client wrote it.
        public let raw: Substring
        public let name: String
        public let value: String
    }

    public let parameters: [Parameter]

    public init(_ query: String?) {
        guard let query, !query.isEmpty else { parameters = []; return }
        parameters = query.split(separator: "&").map { raw in
            let pair = raw.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return Parameter(raw: raw, name: Self.decode(pair[0]), value: pair.count > 1 ? Self.decode(pair[1]) : "")
        }
    }

    /// The first value of a parameter (PHP would take the last; the first cannot be
    /// overridden by something appended to a link, which is the safer reading).
    public subscript(_ name: String) -> String? { parameters.first { $0.name == name }?.value }

    /// `+` as space and `%XX` decoding; malformed escapes stay as written, bad UTF-8 is repaired.
    public static func decode(_ text: Substring) -> String {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "+") {
                out.append(0x20)
                i += 1
            } else if byte == UInt8(ascii: "%"), i + 2 < bytes.count, let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2]) {
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(byte)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 65...70: return byte - 55
        case 97...102: return byte - 87
        default: return nil
        }
    }
}
