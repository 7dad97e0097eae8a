import Dispatch
import TLS
#if canImport(Glibc)
import Glibc
#endif

/// One worker's HTTP server: accepts on its listeners, runs every connection, enforces the
/// limits and timeouts, answers `/healthz` and `/readyz` itself and hands other requests to
/// the listener's responder.
///
/// Everything happens on `queue`, a serial queue: create the server, add listeners, start,
/// drain and read its state only from that queue.
public final class HTTPServer: @unchecked Sendable {
    // @unchecked Sendable: all state is touched only on `queue` (serial); the Dispatch
    // handlers that capture `self` run on that queue too.
    public let queue: DispatchQueue
    public let configuration: HTTPServerConfiguration

    /// Called when a response has been queued for writing.
    public var onRequestCompleted: ((RequestRecord) -> Void)?
    public var onConnectionOpened: (() -> Void)?
    public var onConnectionClosed: (() -> Void)?
    /// A connection that ended before it could carry a request (bad TLS, bad PROXY header,
    /// handshake timeout).
    public var onConnectionFailed: ((ConnectionFailure) -> Void)?

    final class ListenerState {
        let listener: HTTPListener
        var source: DispatchSourceRead?
        var isSuspended = false
        init(_ listener: HTTPListener) { self.listener = listener }
    }

    private var listeners: [ListenerState] = []
    private var connections: [UInt64: HTTPConnection] = [:]
    private var nextConnectionID: UInt64 = 0
    private var acceptPaused = false
    private var acceptBackoff = false
    private var sweepTimer: DispatchSourceTimer?
    private var started = false
    private var drainCompletion: (() -> Void)?
    var date = HTTPDate()
    /// One read buffer for all connections: reads happen one at a time on the queue, and
    /// each connection keeps only the bytes it received.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 16)

    /// True once `beginDrain` was called.
    public private(set) var isDraining = false

    /// Open connections of this worker.
    public var connectionCount: Int { connections.count }

    public init(queue: DispatchQueue, configuration: HTTPServerConfiguration = HTTPServerConfiguration()) {
        self.queue = queue
        self.configuration = configuration
        // A peer that resets while OpenSSL writes would otherwise raise SIGPIPE and kill the worker.
        signal(SIGPIPE, SIG_IGN)
    }

    deinit { readBuffer.deallocate() }

    /// Starts accepting on `listener` (now if started, else at `start`).
    public func addListener(_ listener: HTTPListener) {
        dispatchPrecondition(condition: .onQueue(queue))
        let flags = fcntl(listener.fd, F_GETFL)
        _ = fcntl(listener.fd, F_SETFL, flags | O_NONBLOCK)
        let state = ListenerState(listener)
        listeners.append(state)
        if started { startAccepting(state) }
    }

    public func start() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !started else { return }
        started = true
        for state in listeners { startAccepting(state) }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .milliseconds(500), repeating: .milliseconds(500), leeway: .milliseconds(100))
        timer.setEventHandler { [unowned self] in self.sweep() }
        timer.resume()
        sweepTimer = timer
    }

    /// Stops accepting (closing this process's copies of the listeners), closes idle
    /// keep-alive connections, answers what is in flight with `Connection: close`, and calls
    /// `completion` on the queue once no connection is left. The caller owns the deadline:
    /// after it, `stop()` closes whatever remains.
    public func beginDrain(completion: @escaping () -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        isDraining = true
        drainCompletion = completion
        stopAccepting()
        for connection in Array(connections.values) { connection.drain() }
        checkDrained()
    }

    /// Closes every connection and listener at once and stops the timer.
    public func stop() {
        dispatchPrecondition(condition: .onQueue(queue))
        isDraining = true
        stopAccepting()
        for connection in Array(connections.values) { connection.close(graceful: false) }
        sweepTimer?.cancel()
        sweepTimer = nil
        checkDrained()
    }

    // MARK: accepting

    private func startAccepting(_ state: ListenerState) {
        let source = DispatchSource.makeReadSource(fileDescriptor: state.listener.fd, queue: queue)
        let fd = state.listener.fd
        source.setEventHandler { [unowned self, unowned state] in self.accept(on: state) }
        source.setCancelHandler { close(fd) }
        state.source = source
        if acceptPaused {
            state.isSuspended = true
        } else {
            source.resume()
        }
    }

    private func stopAccepting() {
        for state in listeners {
            guard let source = state.source else { continue }
            if state.isSuspended { source.resume() }
            source.cancel()
            state.source = nil
        }
        listeners.removeAll()
    }

    /// Takes one connection per readiness event. The listening socket is shared by every
    /// worker, and a worker that drained the whole backlog at once took most of a burst of
    /// new connections (23 of 32 in one bench run) and queued their requests behind its own
    /// database connections while the other worker idled. Taking one and going back to the
    /// queue lets every worker's (level-triggered) event race for the next, as nginx does
    /// with multi_accept off.
    private func accept(on state: ListenerState) {
        if connections.count < configuration.maxConnections, !isDraining {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.accept(state.listener.fd, $0, &length)
                }
            }
            if fd < 0 {
                switch errno {
                case EINTR, ECONNABORTED, EPROTO: return  // the next event brings the next one
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors: the level-triggered source would spin; pause briefly.
                    pauseAcceptingBriefly()
                    return
                default: return
                }
            }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            var one: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let peer = Self.address(of: storage)
            nextConnectionID += 1
            let connection = HTTPConnection(
                id: nextConnectionID, fd: fd, peer: peer, listener: state.listener, server: self)
            connections[nextConnectionID] = connection
            onConnectionOpened?()
            connection.start()
        }
        if connections.count >= configuration.maxConnections { setAcceptPaused(true) }
    }

    private func setAcceptPaused(_ paused: Bool) {
        guard paused != acceptPaused else { return }
        acceptPaused = paused
        for state in listeners {
            guard let source = state.source, state.isSuspended != paused else { continue }
            state.isSuspended = paused
            if paused { source.suspend() } else { source.resume() }
        }
    }

    private func pauseAcceptingBriefly() {
        guard !acceptBackoff else { return }
        acceptBackoff = true
        setAcceptPaused(true)
        queue.asyncAfter(deadline: .now() + .milliseconds(100)) { [weak self] in
            guard let self else { return }
            self.acceptBackoff = false
            if self.connections.count < self.configuration.maxConnections { self.setAcceptPaused(false) }
        }
    }

    static func address(of storage: sockaddr_storage) -> IPAddress? {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafeBytes(of: &storage) { raw in
                let address = raw.load(as: sockaddr_in.self)
                return withUnsafeBytes(of: address.sin_addr) { IPAddress(bytes: Array($0)) }
            }
        case AF_INET6:
            return withUnsafeBytes(of: &storage) { raw in
                let address = raw.load(as: sockaddr_in6.self)
                return withUnsafeBytes(of: address.sin6_addr) { IPAddress(bytes: Array($0)) }
            }
        default:
            return nil
        }
    }

    // MARK: connections

    func connectionDidClose(_ connection: HTTPConnection) {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        onConnectionClosed?()
        if !acceptBackoff, connections.count < configuration.maxConnections { setAcceptPaused(false) }
        checkDrained()
    }

    private func checkDrained() {
        guard isDraining, connections.isEmpty, let completion = drainCompletion else { return }
        drainCompletion = nil
        sweepTimer?.cancel()
        sweepTimer = nil
        let confined = QueueConfined(completion)
        queue.async { confined.value() }
    }

    private func sweep() {
        let now = DispatchTime.now().uptimeNanoseconds
        for connection in Array(connections.values) where connection.deadline != 0 && connection.deadline <= now {
            connection.timedOut()
        }
    }

    /// `/healthz` and `/readyz`, answered here: never passed to the application, never limited.
    func ownResponse(for head: HTTPRequestHead, responder: HTTPResponder) -> HTTPResponse? {
        let route: String
        switch head.path {
        case "/healthz": route = "/healthz"
        case "/readyz": route = "/readyz"
        default: return nil
        }
        guard head.method == "GET" || head.method == "HEAD" else {
            var response = HTTPResponse.message(
                405, "The \(head.method) method is not supported for route \(route.dropFirst()). Supported methods: GET, HEAD.",
                route: route)
            response.headers.add("Allow", "GET, HEAD")
            return response
        }
        if route == "/readyz", isDraining || !responder.isReady {
            var response = HTTPResponse.message(503, "Service Unavailable.", route: route)
            response.headers.add("Retry-After", String(configuration.retryAfterSeconds))
            return response
        }
        return .json(200, Array(#"{"status":"ok"}"#.utf8), route: route)
    }
}

/// Carries a value that is only ever used on the worker's queue across a Dispatch hop.
struct QueueConfined<Value>: @unchecked Sendable {
    // @unchecked Sendable: created and consumed on the same serial queue.
    let value: Value
    init(_ value: Value) { self.value = value }
}
