#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import HTTP

// DELETE AT INTEGRATION: a stand-in for the http branch's server, only so that the master's
// lifecycle (fork, respawn, drain, reload) can be exercised before that branch is merged.
// One request per connection, request head only (no body), no TLS, plain `Connection: close`.
// It is not an HTTP implementation and must never serve production traffic.
final class InterimServer: WorkerServer, @unchecked Sendable {
    // Sendable: every member is used only on `queue`, the worker's serial queue.
    private let queue: DispatchQueue
    private let events: ServerEvents
    private var listeners: [DispatchSourceRead] = []
    private var connections: [Int32: Connection] = [:]
    private var draining = false
    private var drainCompletion: (() -> Void)?
    private var nextRequestNumber = 0

    private final class Connection {
        let fd: Int32
        let peer: String
        var readSource: DispatchSourceRead?
        var writeSource: DispatchSourceWrite?
        var input: [UInt8] = []
        var output: [UInt8] = []
        var written = 0
        var responded = false
        init(fd: Int32, peer: String) { self.fd = fd; self.peer = peer }
    }

    init(queue: DispatchQueue, events: ServerEvents) {
        self.queue = queue
        self.events = events
    }

    func addListener(fd: Int32, responder: HTTPResponder) {
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        let bound = QueueConfined(responder)
        source.setEventHandler { [unowned self] in self.acceptAll(fd, responder: bound.value) }
        // The listening fd belongs to the master too: close only this process's copy.
        source.setCancelHandler { close(fd) }
        source.resume()
        listeners.append(source)
    }

    func beginDrain(completion: @escaping () -> Void) {
        draining = true
        for listener in listeners { listener.cancel() }
        listeners.removeAll()
        drainCompletion = completion
        finishDrainIfIdle()
    }

    private func finishDrainIfIdle() {
        guard draining, connections.isEmpty, let completion = drainCompletion else { return }
        drainCompletion = nil
        completion()
    }

    private func acceptAll(_ listener: Int32, responder: HTTPResponder) {
        while !draining {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept(listener, $0, &length)
                }
            }
            guard fd >= 0 else { return }  // EAGAIN: another worker took it, or none left
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            let connection = Connection(fd: fd, peer: Self.describe(&address))
            connections[fd] = connection
            events.connectionOpened()
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            let bound = QueueConfined(responder)
            source.setEventHandler { [unowned self] in self.readable(connection, responder: bound.value) }
            connection.readSource = source
            source.resume()
        }
    }

    private func readable(_ connection: Connection, responder: HTTPResponder) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = chunk.withUnsafeMutableBytes { read(connection.fd, $0.baseAddress, $0.count) }
        if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) { finish(connection); return }
        guard count > 0, !connection.responded else { return }
        connection.input += chunk[0..<count]
        guard let end = Self.headEnd(connection.input) else {
            if connection.input.count > 16 * 1024 { finish(connection) }
            return
        }
        connection.responded = true
        connection.readSource?.suspend()
        let requestLine = connection.input[0..<end].split(separator: 0x0D, maxSplits: 1).first ?? []
        let parts = requestLine.split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
        guard parts.count == 3 else { send(.message(400, "Bad Request."), to: connection, method: "-", started: Self.now()); return }
        nextRequestNumber += 1
        let target = parts[1]
        let path = String(target.prefix { $0 != "?" })
        let request = HTTPRequest(
            method: parts[0], target: target, path: path, query: nil, headers: HTTPHeaders(), body: [],
            clientAddress: connection.peer, scheme: "http", host: "", requestID: "interim-\(getpid())-\(nextRequestNumber)"
        )
        let started = Self.now()
        switch path {
        case "/healthz":
            send(.json(200, Array("{\"status\":\"ok\"}".utf8), route: "/healthz"), to: connection, method: request.method, started: started, id: request.requestID)
        case "/readyz":
            let ready = !draining && responder.isReady
            send(.json(ready ? 200 : 503, Array("{\"status\":\"\(ready ? "ready" : "unavailable")\"}".utf8), route: "/readyz"),
                 to: connection, method: request.method, started: started, id: request.requestID)
        default:
            let bound = QueueConfined(connection)
            responder.handle(request) { [weak self] response in
                self?.send(response, to: bound.value, method: request.method, started: started, id: request.requestID)
            }
        }
    }

    private func send(_ response: HTTPResponse, to connection: Connection, method: String, started: UInt64, id: String = "-") {
        var head = "HTTP/1.1 \(response.status) \(response.status < 400 ? "OK" : "Error")\r\n"
        for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(response.body.count)\r\nX-Request-Id: \(id)\r\nConnection: close\r\n\r\n"
        connection.output = Array(head.utf8) + response.body
        events.requestCompleted(AccessRecord(
            requestID: id, method: method, route: response.route, status: response.status,
            bytes: response.body.count, durationMicroseconds: (Self.now() - started) / 1_000, clientAddress: connection.peer
        ))
        writable(connection)
    }

    private func writable(_ connection: Connection) {
        while connection.written < connection.output.count {
            let count = connection.output.withUnsafeBytes {
                write(connection.fd, $0.baseAddress! + connection.written, $0.count - connection.written)
            }
            if count > 0 { connection.written += count; continue }
            if count < 0, errno == EAGAIN {
                if connection.writeSource == nil {
                    let source = DispatchSource.makeWriteSource(fileDescriptor: connection.fd, queue: queue)
                    source.setEventHandler { [unowned self] in self.writable(connection) }
                    connection.writeSource = source
                    source.resume()
                }
                return
            }
            break
        }
        finish(connection)
    }

    private func finish(_ connection: Connection) {
        guard connections.removeValue(forKey: connection.fd) != nil else { return }
        shutdown(connection.fd, Int32(SHUT_WR))
        // Close only once no source watches the fd any more, or a new connection given the
        // same number could meet the old registration.
        let sources: [DispatchSourceProtocol] = [connection.readSource, connection.writeSource].compactMap { $0 }
        let remaining = QueueConfined(Countdown(sources.count))
        let fd = connection.fd
        if sources.isEmpty { close(fd) }
        for source in sources {
            source.setCancelHandler {
                remaining.value.count -= 1
                if remaining.value.count == 0 { close(fd) }
            }
            source.cancel()
        }
        // A suspended source runs its cancel handler only once resumed.
        if connection.responded { connection.readSource?.resume() }
        connection.readSource = nil
        connection.writeSource = nil
        events.connectionClosed()
        finishDrainIfIdle()
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }

    private static func now() -> UInt64 { Clock.monotonicNanoseconds() }

    private static func describe(_ address: inout sockaddr_storage) -> String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        if Int32(address.ss_family) == AF_INET {
            withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                var raw = pointer.pointee.sin_addr
                _ = inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
            } }
        } else {
            withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                var raw = pointer.pointee.sin6_addr
                _ = inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
            } }
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

private final class Countdown {
    var count: Int
    init(_ count: Int) { self.count = count }
}
