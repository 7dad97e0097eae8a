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

    public static func decode<Bytes: Collection>(_ text: Bytes) -> [UInt8]? where Bytes.Element == UInt8 {
        if let decoded = text.withContiguousStorageIfAvailable({ decode(buffer: $0) }) { return decoded }
        return Array(text).withUnsafeBufferPointer { decode(buffer: $0) }
    }

    // Every stored name that is encrypted passes through here two or three times per read:
    // unsafe buffers and whole quads keep it a table lookup per character.
    private static func decode(buffer text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var end = text.count
        var padding = 0
        while end > 0, text[end - 1] == UInt8(ascii: "="), padding < 2 {
            end -= 1
            padding += 1
        }
        // One character left over carries only 6 bits: no byte ends there.
        if end % 4 == 1 { return nil }
        if padding > 0, (end + padding) % 4 != 0 { return nil }
        let capacity = end / 4 * 3 + max(0, end % 4 - 1)
        var valid = true
        let output = values.withUnsafeBufferPointer { table in
            [UInt8](unsafeUninitializedCapacity: capacity) { out, initialized in
                var read = 0, written = 0
                while read + 4 <= end {
                    let a = table[Int(text[read])], b = table[Int(text[read + 1])]
                    let c = table[Int(text[read + 2])], d = table[Int(text[read + 3])]
                    if (a | b | c | d) & 0xC0 != 0 { valid = false; break }
                    out[written] = a << 2 | b >> 4
                    out[written + 1] = b << 4 | c >> 2
                    out[written + 2] = c << 6 | d
                    read += 4
                    written += 3
                }
                if valid, read < end {
                    let a = table[Int(text[read])], b = table[Int(text[read + 1])]
                    let c = end - read == 3 ? table[Int(text[read + 2])] : 0
                    if (a | b | c) & 0xC0 != 0 {
                        valid = false
                    } else {
                        out[written] = a << 2 | b >> 4
                        written += 1
                        if end - read == 3 {
                            out[written] = b << 4 | c >> 2
                            written += 1
                        }
                    }
                }
                initialized = valid ? written : 0
            }
        }
        return valid ? output : nil
    }
}
