/// Reads `personal_access_tokens.abilities`, a JSON list of strings as Sanctum writes it.
///
/// nil means every ability (a null column, JSON `null`, or a list holding `"*"`). Text that is
/// not a JSON list of strings grants nothing: a damaged row must not widen a token's rights.
public enum TokenAbilities {
    public static func parse(_ text: String?) -> Set<String>? {
        guard let text else { return nil }
        var reader = Reader(bytes: Array(text.utf8))
        reader.skipSpace()
        if reader.consume("null") {
            reader.skipSpace()
            return reader.atEnd ? nil : []
        }
        guard let list = reader.stringList() else { return [] }
        reader.skipSpace()
        guard reader.atEnd else { return [] }
        if list.contains("*") { return nil }
        return Set(list)
    }

    /// A tiny JSON reader for exactly one shape: `[ "…", "…" ]`, with RFC 8259 escapes.
    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func consume(_ literal: String) -> Bool {
            let l = Array(literal.utf8)
            guard bytes.count - index >= l.count, Array(bytes[index..<index + l.count]) == l else { return false }
            index += l.count
            return true
        }

        mutating func stringList() -> [String]? {
            guard consume("[") else { return nil }
            var items: [String] = []
            skipSpace()
            if consume("]") { return items }
            while true {
                skipSpace()
                guard let item = string() else { return nil }
                items.append(item)
                skipSpace()
                if consume("]") { return items }
                guard consume(",") else { return nil }
            }
        }

        mutating func string() -> String? {
            guard consume("\"") else { return nil }
            var out: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return nil }
                    let escaped = bytes[index]
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let scalar = unicodeEscape() else { return nil }
                        out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: return nil
                    }
                case 0x00..<0x20: return nil
                default: out.append(byte)
                }
            }
            return nil
        }

        /// `\uXXXX`, joining a UTF-16 surrogate pair when one follows.
        private mutating func unicodeEscape() -> Unicode.Scalar? {
            guard let high = hex4() else { return nil }
            if (0xD800..<0xDC00).contains(high) {
                guard consume("\\u"), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
            }
            return Unicode.Scalar(high)
        }

        private mutating func hex4() -> UInt32? {
            guard bytes.count - index >= 4 else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[index]
                index += 1
                let digit: UInt32
                switch c {
                case 0x30...0x39: digit = UInt32(c - 0x30)
                case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
                default: return nil
                }
                value = value << 4 | digit
            }
            return value
        }
    }
}
