import Dispatch
import TLS
#if canImport(Glibc)
import Glibc
#endif

/// One client connection: PROXY header → TLS handshake → requests, read, parsed and answered
/// in order, until close. An explicit state machine driven by the socket's read/write sources
/// and the server's timeout sweep, all on the worker's queue.
// @unchecked Sendable: confined to the worker's serial queue; Dispatch handlers capturing it run there.
final class HTTPConnection: @unchecked Sendable {
    private enum Phase {
        case proxyHeader
        case handshaking
        case open
        /// Our side is done; reading and discarding until the peer closes or a short timeout,
        /// so unread request bytes do not turn our last response into a reset.
        case lingering
        case closed
    }

    private enum RequestState {
        case head(HTTPHeadParser)
        case body(HTTPRequestHead, HTTPBodyDecoder)
    }

    /// A request whose response is awaited or not yet written; kept in request order.
    private struct Slot {
        let sequence: UInt64
        let method: String
        let keepAlive: Bool
        let requestID: String
        let clientAddress: String
        let started: UInt64
        var response: HTTPResponse?
    }

    let id: UInt64
    private let fd: Int32
    private let peer: IPAddress?
    private let listener: HTTPListener
    private unowned let server: HTTPServer
    private var limits: HTTPServerConfiguration { server.configuration }

    private var phase = Phase.proxyHeader
    private var transport: ConnectionTransport?
    private var clientPeer: IPAddress?
    private var proxyBytes: [UInt8] = []

    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var readSuspended = true
    private var writeSuspended = true
    private var openSources = 0

    private var input: [UInt8] = []
    private var inputStart = 0
    private var requestState: RequestState
    private var body: [UInt8] = []
    private var requestStarted: UInt64 = 0
    private var bodyStarted: UInt64 = 0
    private var continuePending = false
    private var slots: [Slot] = []
    private var nextSequence: UInt64 = 0
    private var output: [UInt8] = []
    private var outputStart = 0

    /// No more requests are read (close requested, error, draining, or peer EOF).
    private var stopReading = false
    private var peerClosed = false
    private var closeAfterFlush = false
    private var readWaitsForWritable = false
    private var writeWaitsForReadable = false
    private var readBlocked = false
    private var writeBlocked = false
    private var servedRequests = 0
    private var idleSince: UInt64 = 0
    private var lastWriteProgress: UInt64 = 0
    private var lingerDiscarded = 0
    private var driving = false

    /// When the sweep closes this connection (monotonic ns), 0 for none.
    private(set) var deadline: UInt64 = 0
    private let acceptedAt: UInt64

    static let lingerTimeout: UInt64 = 2_000_000_000
    static let lingerMaxBytes = 1024 * 1024

    init(id: UInt64, fd: Int32, peer: IPAddress?, listener: HTTPListener, server: HTTPServer) {
        self.id = id
        self.fd = fd
        self.peer = peer
        self.clientPeer = peer
        self.listener = listener
        self.server = server
        self.requestState = .head(HTTPHeadParser(limits: server.configuration))
        self.acceptedAt = Self.now()
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    private static func nanoseconds(_ seconds: Double) -> UInt64 { UInt64(max(0, seconds) * 1e9) }

    func start() {
        let read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: server.queue)
        let write = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: server.queue)
        let fd = self.fd
        openSources = 2
        // The descriptor is closed only when both sources are cancelled, so no handler can
        // ever see a reused descriptor number.
        let cancelled: () -> Void = { [self] in
            openSources -= 1
            if openSources == 0 { Glibc.close(fd) }
        }
        read.setEventHandler { [self] in self.readable() }
        read.setCancelHandler(handler: cancelled)
        write.setEventHandler { [self] in self.writable() }
        write.setCancelHandler(handler: cancelled)
        readSource = read
        writeSource = write
        deadline = acceptedAt + Self.nanoseconds(limits.handshakeTimeout)

        if listener.proxyProtocol {
            guard let peer, limits.trustedProxies.contains(peer) else {
                server.onConnectionFailed?(.proxyHeader)
                close(graceful: false)
                return
            }
            phase = .proxyHeader
        } else {
            beginHandshake()
            if phase == .closed { return }
        }
        drive()
    }

    // MARK: events

    private func readable() {
        if phase == .lingering { linger(); return }
        drive()
    }

    private func writable() { drive() }

    private func drive() {
        guard !driving else { return }
        driving = true
        defer { driving = false }
        readBlocked = false
        writeBlocked = false
        readWaitsForWritable = false
        writeWaitsForReadable = false
        switch phase {
        case .proxyHeader:
            readProxyHeader()
            if phase == .handshaking { handshake() }
        case .handshaking:
            handshake()
        case .open:
            flush()
            if phase == .open { readRequests() }
            if phase == .open { flush() }
        case .lingering, .closed:
            break
        }
        if phase == .open, peerClosed || stopReading, slots.isEmpty, outputStart >= output.count, !closeAfterFlush {
            if peerClosed { close(graceful: true) }
        }
        updateInterest()
        updateDeadline()
    }

    // MARK: PROXY header and handshake

    private func readProxyHeader() {
        var peeked = [UInt8](repeating: 0, count: ProxyProtocolHeader.v2MaxLength)
        let n = peeked.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_PEEK)) }
        if n == 0 { close(graceful: false); return }
        if n < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { readBlocked = true; return }
            close(graceful: false)
            return
        }
        let combined = proxyBytes + peeked[0..<n]
        let result = combined.withUnsafeBufferPointer { ProxyProtocolHeader.parse($0) }
        // Only bytes of the header are taken off the socket: what follows is TLS or HTTP.
        var take = 0
        switch result {
        case .invalid:
            server.onConnectionFailed?(.proxyHeader)
            close(graceful: false)
            return
        case .incomplete:
            take = n
        case .complete(let consumed, let source):
            take = consumed - proxyBytes.count
            if let source { clientPeer = source }
        }
        var discard = [UInt8](repeating: 0, count: take)
        let taken = discard.withUnsafeMutableBytes { recv(fd, $0.baseAddress, take, 0) }
        guard taken == take else { close(graceful: false); return }
        if case .complete = result {
            proxyBytes = []
            beginHandshake()
        } else {
            proxyBytes += discard
            readBlocked = true
        }
    }

    private func beginHandshake() {
        if let tls = listener.tls {
            do {
                transport = try TLSConnection(context: tls, fd: fd)
            } catch {
                server.onConnectionFailed?(.tlsHandshake)
                close(graceful: false)
                return
            }
        } else {
            transport = PlainTransport(fd: fd)
        }
        phase = .handshaking
    }

    private func handshake() {
        guard let transport else { return }
        switch transport.handshake() {
        case .done:
            phase = .open
            idleSince = Self.now()
            flush()
            if phase == .open { readRequests() }
            if phase == .open { flush() }
        case .wantRead: readBlocked = true
        case .wantWrite: readWaitsForWritable = true
        case .closed, .failed:
            server.onConnectionFailed?(.tlsHandshake)
            close(graceful: false)
        }
    }

    // MARK: reading and parsing

    private var mayRead: Bool {
        !stopReading && !peerClosed && slots.count < limits.maxPipelinedRequests
            && output.count - outputStart < 256 * 1024
    }

    private func readRequests() {
        guard let transport else { return }
        // Requests already buffered (left when the pipeline was full) go first.
        processInput()
        while phase == .open, mayRead {
            if inputStart > 0, inputStart == input.count {
                input.removeAll()
                inputStart = 0
            } else if inputStart > 64 * 1024, inputStart * 2 > input.count {
                input.removeSubrange(0..<inputStart)
                inputStart = 0
            }
            let result = transport.read(into: server.readBuffer)
            switch result {
            case .done(let n):
                input.append(contentsOf: UnsafeRawBufferPointer(rebasing: server.readBuffer[0..<n]))
                processInput()
            case .wantRead:
                readBlocked = true
                return
            case .wantWrite:
                readWaitsForWritable = true
                return
            case .closed:
                peerClosed = true
                return
            case .failed:
                close(graceful: false)
                return
            }
        }
    }

    private func processInput() {
        while phase == .open, !stopReading, slots.count < limits.maxPipelinedRequests {
            switch requestState {
            case .head(var parser):
                guard inputStart < input.count else { return }
                if !parser.hasStarted { requestStarted = Self.now() }
                let result: HTTPHeadParser.Result
                do {
                    result = try input.withUnsafeBufferPointer { try parser.parse(UnsafeBufferPointer(rebasing: $0[inputStart...])) }
                } catch {
                    reject(error as? HTTPParseError ?? .badRequest("unreadable"))
                    return
                }
                guard case .complete(let consumed) = result, let head = parser.head else {
                    requestState = .head(parser)
                    return
                }
                inputStart += consumed
                let decoder: HTTPBodyDecoder
                do {
                    decoder = try HTTPBodyDecoder(framing: head.framing, limits: limits)
                } catch {
                    reject(error)
                    return
                }
                if decoder.isComplete {
                    dispatch(head, body: [])
                } else {
                    requestState = .body(head, decoder)
                    bodyStarted = Self.now()
                    body = []
                    if head.expectsContinue, inputStart == input.count { continuePending = true; emitContinueIfDue() }
                }
            case .body(let head, var decoder):
                guard inputStart < input.count else { return }
                continuePending = false
                let result: HTTPBodyDecoder.Result
                do {
                    result = try input.withUnsafeBufferPointer {
                        try decoder.decode(UnsafeBufferPointer(rebasing: $0[inputStart...]), into: &body)
                    }
                } catch {
                    reject(error as? HTTPParseError ?? .badRequest("unreadable"))
                    return
                }
                switch result {
                case .needMore:
                    inputStart = input.count
                    requestState = .body(head, decoder)
                    return
                case .complete(let consumed):
                    inputStart += consumed
                    let requestBody = body
                    body = []
                    dispatch(head, body: requestBody)
                }
            }
        }
    }

    /// 100 Continue goes out only when the body will be read and nothing before it is owed.
    private func emitContinueIfDue() {
        guard continuePending, slots.isEmpty, case .body = requestState else { return }
        continuePending = false
        output.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
    }

    private func reject(_ error: HTTPParseError) {
        stopReading = true
        requestState = .head(HTTPHeadParser(limits: limits))
        let started = requestStarted == 0 ? Self.now() : requestStarted
        nextSequence += 1
        slots.append(Slot(
            sequence: nextSequence, method: "", keepAlive: false, requestID: RequestID.make(),
            clientAddress: clientPeer?.description ?? "", started: started, response: error.response))
    }

    private func dispatch(_ head: HTTPRequestHead, body: [UInt8]) {
        requestState = .head(HTTPHeadParser(limits: limits))
        servedRequests += 1
        let keepAlive = head.keepAlive && !server.isDraining
        if !keepAlive { stopReading = true }
        let requestID = RequestID.choose(head.headers)
        let client = ForwardedClient.resolve(
            peer: clientPeer, scheme: listener.tls != nil ? "https" : "http",
            host: head.host.isEmpty ? LocalAuthority.of(socket: fd) : head.host,
            headers: head.headers, trustedProxies: limits.trustedProxies)
        nextSequence += 1
        let sequence = nextSequence
        slots.append(Slot(
            sequence: sequence, method: head.method, keepAlive: keepAlive, requestID: requestID,
            clientAddress: client.address, started: requestStarted, response: nil))
        requestStarted = 0

        if let response = server.ownResponse(for: head, responder: listener.responder) {
            complete(sequence, response)
            return
        }
        let request = HTTPRequest(
            method: head.method, target: head.target, path: head.path, query: head.query, headers: head.headers,
            body: body, clientAddress: client.address, scheme: client.scheme, host: client.host, requestID: requestID)
        listener.responder.handle(request) { [weak self] response in
            self?.complete(sequence, response)
        }
    }

    /// The application's answer for request `sequence`, on the queue, possibly out of order.
    private func complete(_ sequence: UInt64, _ response: HTTPResponse) {
        guard phase == .open || phase == .handshaking, let first = slots.first else { return }
        let index = Int(sequence &- first.sequence)
        guard index >= 0, index < slots.count, slots[index].response == nil else { return }
        slots[index].response = response
        if !driving {
            drive()
        }
    }

    // MARK: writing

    /// Moves the answered requests at the front into the output buffer, in order.
    private func serializeReadyResponses() {
        while let first = slots.first, let response = first.response {
            let lastOwed = slots.count == 1 && stopReadingWouldEnd
            let keepAlive = first.keepAlive && !(server.isDraining && lastOwed)
            let bytes = ResponseSerializer.append(
                response, isHead: first.method == "HEAD", keepAlive: keepAlive, requestID: first.requestID,
                date: server.date.current(), to: &output)
            slots.removeFirst()
            server.onRequestCompleted?(RequestRecord(
                method: first.method, route: response.route, status: max(200, min(599, response.status)) == response.status
                    ? response.status : 500,
                bytes: bytes, durationSeconds: Double(Self.now() &- first.started) / 1e9,
                clientAddress: first.clientAddress, requestID: first.requestID))
            if !keepAlive {
                stopReading = true
                closeAfterFlush = true
                slots.removeAll()
                return
            }
        }
        emitContinueIfDue()
    }

    /// While draining, the last owed response closes the connection unless a request is half read.
    private var stopReadingWouldEnd: Bool {
        if case .head(let parser) = requestState, !parser.hasStarted, inputStart >= input.count { return true }
        return stopReading
    }

    private func flush() {
        serializeReadyResponses()
        guard let transport else { return }
        while outputStart < output.count {
            let result = output.withUnsafeBytes { raw in
                transport.write(UnsafeRawBufferPointer(rebasing: raw[outputStart...]))
            }
            switch result {
            case .done(let n):
                outputStart += n
                lastWriteProgress = Self.now()
            case .wantWrite:
                writeBlocked = true
                return
            case .wantRead:
                writeWaitsForReadable = true
                return
            case .closed, .failed:
                close(graceful: false)
                return
            }
        }
        output.removeAll(keepingCapacity: output.capacity <= 64 * 1024)
        outputStart = 0
        if closeAfterFlush { close(graceful: true) }
        if slots.isEmpty, case .head(let parser) = requestState, !parser.hasStarted { idleSince = Self.now() }
    }

    // MARK: interest and deadlines

    private func updateInterest() {
        guard phase != .closed, phase != .lingering else { return }
        let wantRead = readBlocked || writeWaitsForReadable
        let wantWrite = writeBlocked || readWaitsForWritable
        setRead(wantRead)
        setWrite(wantWrite)
        // Reading paused for backpressure resumes by itself once the queue drains: TLS may
        // hold decrypted bytes no readiness event will announce.
        if phase == .open, !wantRead, !wantWrite, mayRead, !driving {
            server.queue.async { [weak self] in self?.drive() }
        }
    }

    private func setRead(_ on: Bool) {
        guard let readSource, on == readSuspended else { return }
        readSuspended = !on
        if on { readSource.resume() } else { readSource.suspend() }
    }

    private func setWrite(_ on: Bool) {
        guard let writeSource, on == writeSuspended else { return }
        writeSuspended = !on
        if on { writeSource.resume() } else { writeSource.suspend() }
    }

    private func updateDeadline() {
        switch phase {
        case .proxyHeader, .handshaking:
            deadline = acceptedAt + Self.nanoseconds(limits.handshakeTimeout)
        case .lingering, .closed:
            break
        case .open:
            if outputStart < output.count {
                deadline = lastWriteProgress + Self.nanoseconds(limits.writeTimeout)
            } else if case .body = requestState {
                deadline = bodyStarted + Self.nanoseconds(limits.bodyTimeout)
            } else if case .head(let parser) = requestState, parser.hasStarted || inputStart < input.count {
                deadline = requestStarted + Self.nanoseconds(limits.headerTimeout)
            } else if !slots.isEmpty {
                deadline = 0  // the application is working; its own timeouts apply
            } else {
                let wait = servedRequests == 0 ? limits.headerTimeout : limits.idleTimeout
                deadline = min(idleSince + Self.nanoseconds(wait), drainDeadline)
            }
        }
    }

    func timedOut() {
        switch phase {
        case .proxyHeader, .handshaking:
            server.onConnectionFailed?(.handshakeTimeout)
            close(graceful: false)
        case .lingering:
            close(graceful: false)
        case .open, .closed:
            close(graceful: false)
        }
    }

    /// Server drain: idle keep-alive connections go now, the others after their response.
    func drain() {
        guard phase == .open else { return }
        // An idle keep-alive connection may have a request on the wire right now: give it a
        // moment to arrive (it is answered with Connection: close), then close.
        drainDeadline = Self.now() + Self.nanoseconds(1)
        updateDeadline()
    }
    private var drainDeadline: UInt64 = .max

    // MARK: closing

    func close(graceful: Bool) {
        guard phase != .closed, phase != .lingering else {
            if phase == .lingering, !graceful { finish() }
            return
        }
        if graceful, let transport {
            transport.shutdown()
            // Plain shutdown() sent FIN; TLS sent close_notify: now wait for the peer briefly.
            if !(transport is PlainTransport) { _ = Glibc.shutdown(fd, Int32(SHUT_WR)) }
            phase = .lingering
            deadline = Self.now() + Self.lingerTimeout
            setWrite(false)
            setRead(true)
            return
        }
        finish()
    }

    private func linger() {
        let scratch = server.readBuffer
        while true {
            let n = recv(fd, scratch.baseAddress, scratch.count, 0)
            if n > 0 {
                lingerDiscarded += n
                if lingerDiscarded > Self.lingerMaxBytes { finish(); return }
                continue
            }
            if n < 0, errno == EINTR { continue }
            if n < 0, errno == EAGAIN || errno == EWOULDBLOCK { return }
            finish()
            return
        }
    }

    private func finish() {
        guard phase != .closed else { return }
        phase = .closed
        deadline = 0
        setRead(true)
        setWrite(true)
        readSource?.cancel()
        writeSource?.cancel()
        readSource = nil
        writeSource = nil
        transport = nil
        server.connectionDidClose(self)
    }
}
