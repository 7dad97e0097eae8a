/// Writes JSON straight into a byte buffer. No reflection: callers write keys in the order
/// the contract fixes. The writer tracks only whether a comma is due, one flag per level.
public struct JSONWriter {
    public private(set) var bytes: [UInt8]
    /// `needsComma[depth]`: a value was already written at this level.
    private var needsComma: [Bool] = [false]

    public init(capacity: Int = 512) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    // MARK: Structure

    public mutating func beginObject() { beforeValue(); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    public mutating func endObject() { needsComma.removeLast(); bytes.append(UInt8(ascii: "}")) }
    public mutating func beginArray() { beforeValue(); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    public mutating func endArray() { needsComma.removeLast(); bytes.append(UInt8(ascii: "]")) }

    /// Writes `"name":`; the next value call writes the member's value.
    public mutating func key(_ name: StaticString) {
        beforeKey()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// A key given at run time (escaped).
    public mutating func key(_ name: String) {
        beforeKey()
        JSONEscaping.appendString(name.utf8, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    /// The value after a key needs no comma; the next key does.
    private var afterKey = false

    private mutating func beforeKey() {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
        afterKey = true
    }

    private mutating func beforeValue() {
        if afterKey { afterKey = false; return }
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    // MARK: Values

    public mutating func null() { beforeValue(); bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }

    public mutating func bool(_ value: Bool) {
        beforeValue()
        if value { bytes.append(contentsOf: Array("true".utf8)) } else { bytes.append(contentsOf: Array("false".utf8)) }
    }

    public mutating func int(_ value: Int) {
        beforeValue()
        JSONEscaping.appendDecimal(value, to: &bytes)
    }

    public mutating func int(_ value: Int64) { int(Int(value)) }

    public mutating func string(_ value: String) {
        beforeValue()
        JSONEscaping.appendString(value.utf8, to: &bytes)
    }

    public mutating func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    /// Text as stored bytes, which may not be valid UTF-8: invalid sequences become U+FFFD.
    public mutating func string(bytes value: [UInt8]) {
        beforeValue()
        JSONEscaping.appendString(value, to: &bytes)
    }

    public mutating func string(bytes value: [UInt8]?) {
        if let value { string(bytes: value) } else { null() }
    }

    /// An amount in cents as a number with exactly two decimals: 1250 → `12.50`.
    public mutating func cents(_ value: Int) {
        beforeValue()
        // Magnitude as UInt so Int.min cannot overflow.
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let fraction = magnitude % 100
        magnitude /= 100
        JSONEscaping.appendDecimal(magnitude, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        bytes.append(UInt8(ascii: "0") + UInt8(fraction / 10))
        bytes.append(UInt8(ascii: "0") + UInt8(fraction % 10))
    }

    /// Bytes that are already a complete JSON value (trusted: produced by this writer).
    public mutating func raw(_ json: [UInt8]) {
        beforeValue()
        bytes.append(contentsOf: json)
    }
}

/// RFC 8259 string escaping and integer formatting on bytes.
public enum JSONEscaping {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)
    private static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    public static func appendDecimal<T: BinaryInteger>(_ value: T, to out: inout [UInt8]) {
        if value == 0 { out.append(UInt8(ascii: "0")); return }
        var digits: [UInt8] = []
        var rest = value.magnitude
        while rest > 0 {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        out.append(contentsOf: digits.reversed())
    }

    /// Appends `"…"`: `"` and `\` escaped, control characters (and DEL) as `\u00XX` or their
    /// short forms, and every ill-formed UTF-8 sequence replaced by U+FFFD, so the output is
    /// valid JSON and valid UTF-8 whatever the input bytes were.
    public static func appendString<C: Collection>(_ input: C, to out: inout [UInt8]) where C.Element == UInt8 {
        out.append(UInt8(ascii: "\""))
        var index = input.startIndex
        while index != input.endIndex {
            let byte = input[index]
            if byte < 0x80 {
                appendASCII(byte, to: &out)
                index = input.index(after: index)
                continue
            }
            let length = validSequenceLength(input, at: index)
            if length == 0 {
                out.append(contentsOf: replacement)
                index = input.index(after: index)
            } else {
                let end = input.index(index, offsetBy: length)
                out.append(contentsOf: input[index..<end])
                index = end
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private static func appendASCII(_ byte: UInt8, to out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(byte)
        case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(byte)
        case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
        case 0x08: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "f"))
        case 0x00..<0x20, 0x7F:
            out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        default: out.append(byte)
        }
    }

    /// The length of the well-formed UTF-8 sequence starting at `index` (Unicode Table 3-7:
    /// no overlongs, no surrogates, nothing above U+10FFFF), or 0 when it is ill-formed.
    static func validSequenceLength<C: Collection>(_ input: C, at index: C.Index) -> Int where C.Element == UInt8 {
        let first = input[index]
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch first {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return 0
        }
        var position = input.index(after: index)
        for offset in 1..<length {
            guard position != input.endIndex else { return 0 }
            let byte = input[position]
            if offset == 1 {
                guard byte >= low, byte <= high else { return 0 }
            } else {
                guard byte >= 0x80, byte <= 0xBF else { return 0 }
            }
            position = input.index(after: position)
        }
        return length
    }
}
