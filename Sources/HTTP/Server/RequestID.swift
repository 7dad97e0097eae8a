/// `X-Request-Id`: the client's when it is safe to log and echo, else a fresh random one.
enum RequestID {
    static let maxLength = 200

    /// 1…200 characters of `[A-Za-z0-9._:-]`.
    static func isSane(_ value: String) -> Bool {
        let bytes = value.utf8
        guard !bytes.isEmpty, bytes.count <= maxLength else { return false }
        return bytes.allSatisfy { byte in
            ByteClass.isAlphaNumeric(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-")
        }
    }

    /// 128 random bits as 32 lowercase hex digits.
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(32)
        for _ in 0..<2 {
            var word = generator.next()
            for _ in 0..<16 {
                out.append(hex[Int(word & 0xF)])
                word >>= 4
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func choose(_ headers: HTTPHeaders) -> String {
        if let value = headers["x-request-id"], isSane(value) { return value }
        return make()
    }
}
