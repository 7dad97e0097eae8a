/// Strict base64 (RFC 4648 §4, the standard alphabet), as PHP's `base64_encode` writes it.
///
///     Base64.decode(Array("SmFuZQ==".utf8))   // "Jane"
///     Base64.decode(Array("Ja ne".utf8))      // nil
///
/// Stricter than PHP's default `base64_decode`, which skips characters outside the alphabet:
/// a stored value or a key that is not exactly what Laravel wrote is not guessed at.
/// Padding may be omitted; when present it must be complete.
public enum Base64 {
    private static let invalid: UInt8 = 0xFF

    private static let values: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (index, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(character)] = UInt8(index)
        }
        return table
    }()

    public static func decode<Bytes: RandomAccessCollection>(_ text: Bytes) -> [UInt8]? where Bytes.Element == UInt8, Bytes.Index == Int {
        var end = text.endIndex
        var padding = 0
        while end > text.startIndex, text[end - 1] == UInt8(ascii: "="), padding < 2 {
            end -= 1
            padding += 1
        }
        let count = end - text.startIndex
        // One character left over carries only 6 bits: no byte ends there.
        if count % 4 == 1 { return nil }
        if padding > 0, (count + padding) % 4 != 0 { return nil }
        var output = [UInt8]()
        output.reserveCapacity(count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        var index = text.startIndex
        while index < end {
            let value = values[Int(text[index])]
            if value == invalid { return nil }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
            index += 1
        }
        return output
    }
}
