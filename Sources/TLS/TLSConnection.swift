import COpenSSL

/// One server-side TLS session over a non-blocking socket. WANT_READ / WANT_WRITE from
/// OpenSSL come back as `.wantRead` / `.wantWrite`: the caller waits for that readiness and
/// repeats the same call. Confined to the worker's queue like the connection owning it.
public final class TLSConnection: ConnectionTransport {
    private let ssl: OpaquePointer
    private let context: TLSContext  // keeps the SSL_CTX alive as long as the SSL
    private var isShutDown = false

    public init(context: TLSContext, fd: Int32) throws {
        guard let ssl = SSL_new(context.ctx) else { throw TLSError("SSL_new failed") }
        self.ssl = ssl
        self.context = context
        guard SSL_set_fd(ssl, fd) == 1 else {
            SSL_free(ssl)
            throw TLSError("SSL_set_fd failed")
        }
        SSL_set_accept_state(ssl)
    }

    deinit { SSL_free(ssl) }

    public var isSecure: Bool { true }

    public func handshake() -> TransportIO {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 { return .done(0) }
        return classify(result)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) -> TransportIO {
        ERR_clear_error()
        let result = SSL_read(ssl, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max))))
        if result > 0 { return .done(Int(result)) }
        return classify(result)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) -> TransportIO {
        guard bytes.count > 0 else { return .done(0) }
        ERR_clear_error()
        let result = SSL_write(ssl, bytes.baseAddress, Int32(min(bytes.count, Int(Int32.max))))
        if result > 0 { return .done(Int(result)) }
        return classify(result)
    }

    /// Sends close_notify once; never waits for the peer's.
    public func shutdown() {
        guard !isShutDown else { return }
        isShutDown = true
        ERR_clear_error()
        if SSL_is_init_finished(ssl) == 1 { _ = SSL_shutdown(ssl) }
        ERR_clear_error()
    }

    /// The protocol ALPN agreed on, or nil.
    public var negotiatedProtocol: String? {
        var data: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    public var isSessionReused: Bool { SSL_session_reused(ssl) == 1 }

    private func classify(_ result: Int32) -> TransportIO {
        let error = SSL_get_error(ssl, result)
        ERR_clear_error()
        switch error {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL:
            // EOF without close_notify, or a reset: either way the stream is over.
            isShutDown = true
            return result == 0 ? .closed : .failed
        default:
            isShutDown = true
            return .failed
        }
    }
}
