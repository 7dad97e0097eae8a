/// RFC 8259 string escaping and integer formatting on bytes: the HTTP layer's error bodies and
/// the API's JSON writer both write strings through this one encoder.
public enum JSONEscaping {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)
    private static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// Written straight into `out` (least significant digit first, then turned around in
    /// place): no array per number, and a list page writes hundreds of them.
    public static func appendDecimal<T: BinaryInteger>(_ value: T, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        let start = out.count
        var rest = value.magnitude
        repeat {
            out.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        out[start...].reverse()
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
    public static func validSequenceLength<C: Collection>(_ input: C, at index: C.Index) -> Int where C.Element == UInt8 {
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
