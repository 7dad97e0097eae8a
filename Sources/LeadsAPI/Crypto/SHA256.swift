import COpenSSL

/// SHA-256 through OpenSSL, as Sanctum stores token hashes (lowercase hex).
public enum SHA256 {
    public static func digest<Bytes: Collection>(_ input: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var output = [UInt8](repeating: 0, count: 32)
        let bytes = Array(input)
        bytes.withUnsafeBufferPointer { buffer in
            output.withUnsafeMutableBufferPointer { out in
                _ = COpenSSL.SHA256(buffer.baseAddress, buffer.count, out.baseAddress)
            }
        }
        return output
    }

    public static func hex<Bytes: Collection>(_ input: Bytes) -> String where Bytes.Element == UInt8 {
        Hex.encode(digest(input))
    }
}

public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Compares two byte strings in time that depends only on their lengths.
public enum ConstantTime {
    public static func equals<A: Collection, B: Collection>(_ a: A, _ b: B) -> Bool
    where A.Element == UInt8, B.Element == UInt8 {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
