import TLS

/// A listening socket handed to a worker's server, with what its connections speak.
public struct HTTPListener {
    /// A bound, listening socket (inherited from the master). The server makes it
    /// non-blocking and closes this process's copy when it drains or stops.
    public var fd: Int32
    /// TLS for its connections, or nil for plain HTTP (only behind a TLS-terminating balancer).
    public var tls: TLSContext?
    public var responder: HTTPResponder
    /// Expect a PROXY protocol v1/v2 header first on every connection; it is believed only
    /// from a peer in `trustedProxies` (others are closed).
    public var proxyProtocol: Bool

    public init(fd: Int32, tls: TLSContext?, responder: HTTPResponder, proxyProtocol: Bool = false) {
        self.fd = fd
        self.tls = tls
        self.responder = responder
        self.proxyProtocol = proxyProtocol
    }
}
