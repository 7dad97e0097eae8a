#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import HTTP
import TLS

// INTEGRATION POINT. Every line that depends on the HTTP/TLS API of the http branch is in
// this file; the master and the worker only use the three names below:
//   LoadedTLSContext.load(files)          (master, at start and on SIGHUP, before fork)
//   HTTPServerBinding.makeServer(...)     (worker, after fork)
//   WorkerServer.beginDrain(completion:)  (worker, on SIGTERM)
// Until the http branch is merged, makeServer returns the InterimServer (plain HTTP, one
// request per connection) so that the process lifecycle can be tested; TLS is refused.

/// The TLS context made by the master before fork, so that every worker shares its session
/// ticket keys (resumption across workers).
struct LoadedTLSContext: @unchecked Sendable {
    // Sendable: made in the single-threaded master, then only read (each worker its own copy).
    let files: ServeConfiguration.TLSFiles
    // INTEGRATION: `let context: TLSContext`

    static func load(_ files: ServeConfiguration.TLSFiles) throws(ConfigurationError) -> LoadedTLSContext {
        // INTEGRATION: replace the file checks by
        //   let context = try TLSContext(certificateChainPath: files.certificatePath,
        //                                privateKeyPath: files.keyPath,
        //                                ticketKeyPath: files.ticketKeyPath)
        // and map its error to ConfigurationError("--tls-cert/--tls-key: \(error)").
        for (flag, path) in [("--tls-cert", files.certificatePath), ("--tls-key", files.keyPath)] + (files.ticketKeyPath.map { [("--tls-ticket-key", $0)] } ?? []) {
            guard access(path, R_OK) == 0 else {
                throw ConfigurationError("\(flag) \(path): \(String(cString: strerror(errno)))")
            }
        }
        return LoadedTLSContext(files: files)
    }
}

/// What the worker needs of a running server.
protocol WorkerServer: AnyObject {
    /// Stop accepting (close the listeners), finish the requests in flight, then call back.
    func beginDrain(completion: @escaping () -> Void)
}

/// The worker's side of the server events, fed to the access log and the metrics.
struct ServerEvents {
    var requestCompleted: (AccessRecord) -> Void
    var connectionOpened: () -> Void
    var connectionClosed: () -> Void
    var handshakeFailed: () -> Void
}

enum HTTPServerBinding {
    /// Builds the server on `queue` and starts accepting on every socket of the plan:
    /// the API sockets with `api` (TLS when configured), the metrics socket with `metrics`.
    static func makeServer(
        plan: WorkerPlan, queue: DispatchQueue, api: HTTPResponder, metrics: HTTPResponder, events: ServerEvents
    ) throws(ConfigurationError) -> WorkerServer {
        // INTEGRATION: replace the body by the real server, roughly:
        //   let limits = plan.configuration.limits
        //   var configuration = HTTPServerConfiguration()
        //   configuration.maxRequestLineBytes = limits.maxRequestLineBytes   (… every ServerLimits field,
        //     timeouts in seconds, proxyProtocol, trustedProxies = plan.configuration.trustedProxies)
        //   let server = HTTPServer(configuration: configuration, queue: queue)
        //   server.onRequestCompleted = { record in events.requestCompleted(AccessRecord(
        //       requestID: record.requestID, method: record.method, route: record.route, status: record.status,
        //       bytes: record.bytesSent, durationMicroseconds: record.durationMicroseconds, clientAddress: record.clientAddress)) }
        //   server.onConnectionOpened = events.connectionOpened
        //   server.onConnectionClosed = events.connectionClosed
        //   server.onHandshakeFailed = events.handshakeFailed
        //   for fd in plan.sockets.api { try server.addListener(fd: fd, tls: plan.tls?.context, responder: api) }
        //   if let fd = plan.sockets.metrics { try server.addListener(fd: fd, tls: nil, responder: metrics) }
        //   server.start()
        //   return server        // with `extension HTTPServer: WorkerServer {}`
        if plan.tls != nil {
            throw ConfigurationError("TLS needs the HTTP server of the http branch; until it is merged use --plain-http")
        }
        let server = InterimServer(queue: queue, events: events)
        for fd in plan.sockets.api { server.addListener(fd: fd, responder: api) }
        if let fd = plan.sockets.metrics { server.addListener(fd: fd, responder: metrics) }
        return server
    }
}
