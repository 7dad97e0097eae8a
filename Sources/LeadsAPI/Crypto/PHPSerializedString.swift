/// PHP's `unserialize` for the one shape Laravel's `encrypt()` gives a name: a serialized
/// string, `s:<length in bytes>:"<bytes>";`.
///
///     PHPSerializedString.unserialize(Array(#"s:4:"Jane";"#.utf8))   // "Jane"
///     PHPSerializedString.unserialize(Array("i:5;".utf8))             // nil
///
/// Anything else is nil: other types (upstream would hand an int or a bool to the resource),
/// a wrong length, and bytes after the `;` (PHP 8.3 warns about them, which Laravel turns
/// into an exception).
public enum PHPSerializedString {
    public static func unserialize(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count >= 7, bytes[0] == UInt8(ascii: "s"), bytes[1] == UInt8(ascii: ":") else { return nil }
        var index = 2
        var length = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            length = length * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            guard length <= bytes.count else { return nil }
            index += 1
        }
        guard index > 2, index + 2 <= bytes.count, bytes[index] == UInt8(ascii: ":"), bytes[index + 1] == UInt8(ascii: "\"") else {
            return nil
        }
        let start = index + 2
        // The string, then `";` and nothing more.
        guard start + length + 2 == bytes.count, bytes[start + length] == UInt8(ascii: "\""),
              bytes[start + length + 1] == UInt8(ascii: ";") else { return nil }
        return Array(bytes[start..<(start + length)])
    }
}
