import COpenSSL

/// Random bytes from OpenSSL's CSPRNG. A failure of the CSPRNG is not recoverable: a daemon
/// that cannot make unpredictable tokens must not hand out predictable ones.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let ok = buffer.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        precondition(ok == 1, "OpenSSL RAND_bytes failed")
        return buffer
    }

    /// `count` characters from `alphabet`, uniformly (rejection sampling, no modulo bias).
    public static func string(count: Int, alphabet: [UInt8]) -> String {
        precondition(!alphabet.isEmpty && alphabet.count <= 256)
        let limit = 256 - (256 % alphabet.count)
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            for byte in bytes(count * 2) where Int(byte) < limit && out.count < count {
                out.append(alphabet[Int(byte) % alphabet.count])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A version 4 UUID (RFC 9562), lowercase.
    public static func uuidV4() -> String {
        var raw = bytes(16)
        raw[6] = (raw[6] & 0x0F) | 0x40
        raw[8] = (raw[8] & 0x3F) | 0x80
        let hex = Hex.encode(raw)
        let u = Array(hex.utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (index, char) in u.enumerated() {
            if index == 8 || index == 12 || index == 16 || index == 20 { out.append(UInt8(ascii: "-")) }
            out.append(char)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
