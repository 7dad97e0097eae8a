/// The outcome of one non-blocking operation on a connection's byte stream.
public enum TransportIO: Equatable, Sendable {
    /// The operation made progress: bytes read or written (0 for a finished handshake).
    case done(Int)
    /// Try again when the socket is readable (TLS may need to read even to write).
    case wantRead
    /// Try again when the socket is writable (TLS may need to write even to read).
    case wantWrite
    /// The peer closed the stream in an orderly way.
    case closed
    /// The stream is broken (reset, protocol error, handshake failure).
    case failed
}

/// A connection's byte stream: TLS or plain, both over a non-blocking socket the caller owns
/// (the transport never closes the descriptor).
public protocol ConnectionTransport: AnyObject {
    /// Advances the handshake; `.done(0)` once finished (immediately for plain connections).
    func handshake() -> TransportIO
    func read(into buffer: UnsafeMutableRawBufferPointer) -> TransportIO
    func write(_ bytes: UnsafeRawBufferPointer) -> TransportIO
    /// Best-effort orderly close (TLS close_notify); never blocks.
    func shutdown()
    /// True for TLS: the scheme the connection itself gives requests.
    var isSecure: Bool { get }
}
