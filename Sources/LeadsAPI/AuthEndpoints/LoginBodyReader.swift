/// Reads the top level of a JSON object body into field name → value kind, enough for
/// `POST auth/token` (three string fields). Nested values are checked for validity and skipped.
///
/// INTEGRATION NOTE: a stand-in until the API's own JSON tree parser (Sources/LeadsAPI/JSON)
/// is merged; the integrator may switch `LoginRequest.parse` to it and delete this file.
enum LoginBodyValue: Equatable {
    case string(String)
    case null
    /// A number, boolean, array or object: present, but not a string.
    case other
}

struct LoginBodyReader {
    /// Deeper nesting than this is refused as malformed (no unbounded recursion on client input).
    static let maximumDepth = 64

    private let bytes: [UInt8]
    private var index = 0

    /// nil when the body is not one JSON object (or not valid UTF-8 JSON).
    static func fields(of body: [UInt8]) -> [String: LoginBodyValue]? {
        var reader = LoginBodyReader(bytes: body)
        reader.skipSpace()
        guard reader.peek == UInt8(ascii: "{"), let fields = reader.object() else { return nil }
        reader.skipSpace()
        return reader.index == body.count ? fields : nil
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while let b = peek, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { index += 1 }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    private mutating func object() -> [String: LoginBodyValue]? {
        guard consume(UInt8(ascii: "{")) else { return nil }
        var fields: [String: LoginBodyValue] = [:]
        skipSpace()
        if consume(UInt8(ascii: "}")) { return fields }
        while true {
            skipSpace()
            guard let name = string() else { return nil }
            skipSpace()
            guard consume(UInt8(ascii: ":")) else { return nil }
            skipSpace()
            // Duplicate names: the last one wins, as PHP's json_decode does.
            switch peek {
            case UInt8(ascii: "\""):
                guard let text = string() else { return nil }
                fields[name] = .string(text)
            case UInt8(ascii: "n"):
                guard literal("null") else { return nil }
                fields[name] = .null
            default:
                guard skipValue(depth: 1) else { return nil }
                fields[name] = .other
            }
            skipSpace()
            if consume(UInt8(ascii: "}")) { return fields }
            guard consume(UInt8(ascii: ",")) else { return nil }
        }
    }

    private mutating func skipValue(depth: Int) -> Bool {
        guard depth <= Self.maximumDepth, let b = peek else { return false }
        switch b {
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = b == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = b == UInt8(ascii: "{")
            index += 1
            skipSpace()
            if consume(close) { return true }
            while true {
                skipSpace()
                if isObject {
                    guard string() != nil else { return false }
                    skipSpace()
                    guard consume(UInt8(ascii: ":")) else { return false }
                    skipSpace()
                }
                guard skipValue(depth: depth + 1) else { return false }
                skipSpace()
                if consume(close) { return true }
                guard consume(UInt8(ascii: ",")) else { return false }
            }
        default: return number()
        }
    }

    private mutating func literal(_ text: String) -> Bool {
        let l = Array(text.utf8)
        guard bytes.count - index >= l.count, bytes[index..<index + l.count].elementsEqual(l) else { return false }
        index += l.count
        return true
    }

    /// RFC 8259 number grammar.
    private mutating func number() -> Bool {
        func digits(_ reader: inout LoginBodyReader) -> Int {
            var n = 0
            while let b = reader.peek, b >= 0x30, b <= 0x39 { reader.index += 1; n += 1 }
            return n
        }
        _ = consume(UInt8(ascii: "-"))
        if consume(UInt8(ascii: "0")) {
            // no leading zeros
        } else if let b = peek, b >= 0x31, b <= 0x39 {
            _ = digits(&self)
        } else { return false }
        if consume(UInt8(ascii: ".")) { guard digits(&self) > 0 else { return false } }
        if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
            if !consume(UInt8(ascii: "+")) { _ = consume(UInt8(ascii: "-")) }
            guard digits(&self) > 0 else { return false }
        }
        return true
    }

    /// A string with RFC 8259 escapes; nil when malformed or not valid UTF-8.
    private mutating func string() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        var out: [UInt8] = []
        while let byte = peek {
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return String(validating: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = peek else { return nil }
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

    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let high = hex4() else { return nil }
        if (0xD800..<0xDC00).contains(high) {
            guard literal("\\u"), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
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
