/// The PROXY protocol header (v1 text or v2 binary) a balancer sends before anything else,
/// naming the client it accepted the connection from.
public enum ProxyProtocolHeader: Equatable, Sendable {
    public enum Result: Equatable, Sendable {
        /// Every byte given belongs to a header that is not complete yet.
        case incomplete
        /// `consumed` bytes form the header; `source` is the client, or nil for a LOCAL/UNKNOWN
        /// connection (the balancer's own health check), which keeps the real peer.
        case complete(consumed: Int, source: IPAddress?)
        case invalid
    }

    static let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
    static let v1Prefix: [UInt8] = Array("PROXY ".utf8)
    /// v1's own bound (spec: 107 bytes with CRLF).
    static let v1MaxLength = 107
    /// Our bound on v2 (addresses plus TLVs we ignore).
    public static let v2MaxLength = 16 + 1024

    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result {
        let prefixLength = min(bytes.count, 12)
        if bytes.count > 0, bytes[0] == v2Signature[0] {
            guard bytes[0..<prefixLength].elementsEqual(v2Signature[0..<prefixLength]) else { return .invalid }
            return parseV2(bytes)
        }
        let v1Length = min(bytes.count, v1Prefix.count)
        guard bytes[0..<v1Length].elementsEqual(v1Prefix[0..<v1Length]) else { return .invalid }
        return parseV1(bytes)
    }

    private static func parseV2(_ bytes: UnsafeBufferPointer<UInt8>) -> Result {
        guard bytes.count >= 16 else { return .incomplete }
        let versionCommand = bytes[12]
        guard versionCommand >> 4 == 2 else { return .invalid }
        let length = Int(bytes[14]) << 8 | Int(bytes[15])
        guard 16 + length <= v2MaxLength else { return .invalid }
        guard bytes.count >= 16 + length else { return .incomplete }
        let consumed = 16 + length
        switch versionCommand & 0x0F {
        case 0: return .complete(consumed: consumed, source: nil)  // LOCAL
        case 1: break  // PROXY
        default: return .invalid
        }
        switch bytes[13] >> 4 {
        case 0: return .complete(consumed: consumed, source: nil)  // AF_UNSPEC
        case 1:
            guard length >= 12 else { return .invalid }
            return .complete(consumed: consumed, source: IPAddress(bytes: Array(bytes[16..<20])))
        case 2:
            guard length >= 36 else { return .invalid }
            return .complete(consumed: consumed, source: IPAddress(bytes: Array(bytes[16..<32])))
        case 3: return .complete(consumed: consumed, source: nil)  // AF_UNIX
        default: return .invalid
        }
    }

    private static func parseV1(_ bytes: UnsafeBufferPointer<UInt8>) -> Result {
        var end = -1
        for index in 0..<min(bytes.count, v1MaxLength) where bytes[index] == 0x0A {
            end = index
            break
        }
        guard end >= 0 else { return bytes.count >= v1MaxLength ? .invalid : .incomplete }
        guard end > 0, bytes[end - 1] == 0x0D else { return .invalid }
        let line = String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<(end - 1)]), as: UTF8.self)
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "PROXY" else { return .invalid }
        if parts[1] == "UNKNOWN" { return .complete(consumed: end + 1, source: nil) }
        guard parts.count == 6, parts[1] == "TCP4" || parts[1] == "TCP6",
              let source = IPAddress(parts[2]), IPAddress(parts[3]) != nil,
              source.isIPv4 == (parts[1] == "TCP4"),
              isPort(parts[4]), isPort(parts[5]) else { return .invalid }
        return .complete(consumed: end + 1, source: source)
    }

    private static func isPort(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 5, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let value = Int(text) else { return false }
        return value <= 65535
    }
}
