/// The counter a request is counted against, as stored in `leadsd_rate_limits.key`.
///
/// The prefixes keep the three kinds of counter apart: a token id can never collide with an
/// address, and the login counter of an address is separate from its guest counter.
public enum RateLimitKey {
    /// Client addresses are at most 45 characters (IPv6 with an embedded IPv4); anything longer
    /// came from somewhere it should not have and is cut so the key stays small.
    static let maximumAddressLength = 64

    public static func token(_ id: Int64) -> String { "t:\(id)" }

    public static func guest(_ clientAddress: String) -> String { "ip:" + bounded(clientAddress) }

    public static func login(_ clientAddress: String) -> String { "login:" + bounded(clientAddress) }

    private static func bounded(_ address: String) -> String {
        // Cut by bytes; a cut inside a multi-byte character is repaired, never a crash.
        address.utf8.count <= maximumAddressLength
            ? address : String(decoding: address.utf8.prefix(maximumAddressLength), as: UTF8.self)
    }
}
