import HTTP

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
