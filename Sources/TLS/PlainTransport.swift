#if canImport(Glibc)
import Glibc
#endif

/// Unencrypted byte stream for `--plain-http` listeners (behind a TLS-terminating balancer).
public final class PlainTransport: ConnectionTransport {
    private let fd: Int32

    public init(fd: Int32) { self.fd = fd }

    public var isSecure: Bool { false }

    public func handshake() -> TransportIO { .done(0) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) -> TransportIO {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 { return .done(n) }
            if n == 0 { return .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wantRead
            default: return .failed
            }
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) -> TransportIO {
        while true {
            // MSG_NOSIGNAL: a peer that went away must not kill the worker with SIGPIPE.
            let n = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return .done(n) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wantWrite
            default: return .failed
            }
        }
    }

    public func shutdown() {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }
}
