/// Character classes of RFC 9110/9112/3986 as lookup tables (one load per byte).
enum ByteClass {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let htab: UInt8 = 0x09

    /// tchar: "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    static let token: [Bool] = table { byte in
        isAlphaNumeric(byte) || Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
    }

    /// Bytes allowed in an origin-form target besides `%` escapes: pchar, "/" and "?".
    static let target: [Bool] = table { byte in
        isAlphaNumeric(byte) || Array("-._~!$&'()*+,;=:@/?".utf8).contains(byte)
    }

    /// field-vchar / SP / HTAB: visible ASCII and obs-text; no control characters.
    static let fieldValue: [Bool] = table { byte in
        byte == sp || byte == htab || (byte >= 0x21 && byte != 0x7F)
    }

    /// reg-name, IP-literal and port characters of a Host value.
    static let host: [Bool] = table { byte in
        isAlphaNumeric(byte) || Array("-._~!$&'()*+,;=:[]%".utf8).contains(byte)
    }

    static let hexValue: [Int8] = (0..<256).map { value -> Int8 in
        switch UInt8(value) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int8(value - 48)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int8(value - 87)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int8(value - 55)
        default: return -1
        }
    }

    static func isAlphaNumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
    }

    private static func table(_ member: (UInt8) -> Bool) -> [Bool] {
        (0..<256).map { member(UInt8($0)) }
    }
}
