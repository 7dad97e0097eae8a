/// Who the client is, as far as can be believed: the peer, unless the peer is a trusted
/// proxy, in which case its `X-Forwarded-*` fields say more.
public struct ForwardedClient: Equatable, Sendable {
    public var address: String
    public var scheme: String
    public var host: String

    /// - Parameters:
    ///   - peer: the TCP peer, or the client a trusted PROXY header named.
    ///   - scheme: the connection's own scheme.
    ///   - host: the request's `Host`.
    public static func resolve(
        peer: IPAddress?, scheme: String, host: String, headers: HTTPHeaders, trustedProxies: [CIDR]
    ) -> ForwardedClient {
        var result = ForwardedClient(address: peer?.description ?? "", scheme: scheme, host: host)
        guard let peer, trustedProxies.contains(peer) else { return result }

        // Right to left: each hop appended the address it received from; the first one that
        // is not a trusted proxy is the client. Anything unparsable stops the walk there.
        var elements: [Substring] = []
        for value in headers.values("x-forwarded-for") { elements += HTTPRequestHead.listElements(value) }
        for element in elements.reversed() {
            guard let address = IPAddress(element) else { break }
            result.address = address.description
            if !trustedProxies.contains(address) { break }
        }

        if let proto = headers.values("x-forwarded-proto").last.flatMap({ HTTPRequestHead.listElements($0).last }) {
            if HTTPRequestHead.asciiEqual(proto, "https") { result.scheme = "https" }
            if HTTPRequestHead.asciiEqual(proto, "http") { result.scheme = "http" }
        }
        if let forwardedHost = headers.values("x-forwarded-host").last.flatMap({ HTTPRequestHead.listElements($0).last }),
           forwardedHost.utf8.count <= 255, forwardedHost.utf8.allSatisfy({ ByteClass.host[Int($0)] }) {
            result.host = String(forwardedHost)
        }
        return result
    }
}
