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
// After the merge: replace the two marked bodies by the code in the comments below (written
// against the http branch as of commit a703d63), add `extension HTTPServer: WorkerServer {}`,
// and delete Worker/Interim/.

/// The TLS context made by the master before fork, so that every worker shares its session
/// ticket keys (resumption across workers). The keys are the master's `TicketKeyRing`, shared
/// by every generation of workers; a key file's keys replace the ring's only once the master
/// adopts the context (`adoptTicketKeys`), so a reload that fails later changes nothing.
struct LoadedTLSContext: @unchecked Sendable {
    // Sendable: made in the single-threaded master, then only read (each worker its own copy).
    let files: ServeConfiguration.TLSFiles
    let context: TLSContext
    private let fileKeys: TicketKeyFileContents?

    static func load(_ files: ServeConfiguration.TLSFiles, ticketKeys: TicketKeyRing) throws(ConfigurationError) -> LoadedTLSContext {
        do {
            let fileKeys = try files.ticketKeyPath.map { TicketKeyFileContents(try TicketKeyRing.keys(inFile: $0)) }
            let context = try TLSContext(certificateChainFile: files.certificatePath, privateKeyFile: files.keyPath, ticketKeys: ticketKeys)
            return LoadedTLSContext(files: files, context: context, fileKeys: fileKeys)
        } catch {
            throw ConfigurationError("TLS: \(error)")
        }
    }

    /// Puts the key file's keys into the ring, or random ones when the configuration names no
    /// file any more (master, before forking workers that use this context).
    func adoptTicketKeys() throws {
        let ring = context.ticketKeys
        if let fileKeys {
            ring.install(fileKeys.keys)
        } else if ring.source == .file {
            try ring.installRandom()
        }
    }
}

/// Keys read from a key file, erased from memory with their last reference.
final class TicketKeyFileContents: @unchecked Sendable {
    // Sendable: made and read by the master's single thread only.
    private(set) var keys: [[UInt8]]
    init(_ keys: [[UInt8]]) { self.keys = keys }
    deinit { TicketKeyRing.erase(&keys) }
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
        let limits = plan.configuration.limits
        var configuration = HTTPServerConfiguration()
        configuration.maxRequestLineBytes = limits.maxRequestLineBytes
        configuration.maxHeaderBytes = limits.maxHeaderBytes
        configuration.maxHeaderCount = limits.maxHeaderCount
        configuration.maxBodyBytes = limits.maxBodyBytes
        configuration.maxConnections = limits.maxConnections
        configuration.handshakeTimeout = Double(limits.handshakeTimeoutSeconds)
        configuration.headerTimeout = Double(limits.headerTimeoutSeconds)
        configuration.bodyTimeout = Double(limits.bodyTimeoutSeconds)
        configuration.idleTimeout = Double(limits.idleTimeoutSeconds)
        configuration.trustedProxies = plan.configuration.trustedProxies.compactMap { CIDR($0) }
        let server = HTTPServer(queue: queue, configuration: configuration)
        server.onRequestCompleted = { record in
            events.requestCompleted(AccessRecord(
                requestID: record.requestID, method: record.method, route: record.route, status: record.status,
                bytes: record.bytes, durationMicroseconds: UInt64(max(0, record.durationSeconds) * 1_000_000),
                clientAddress: record.clientAddress))
        }
        server.onConnectionOpened = events.connectionOpened
        server.onConnectionClosed = events.connectionClosed
        server.onConnectionFailed = { failure in
            if failure == .tlsHandshake || failure == .handshakeTimeout { events.handshakeFailed() }
        }
        for fd in plan.sockets.api {
            server.addListener(HTTPListener(fd: fd, tls: plan.tls?.context, responder: api,
                                            proxyProtocol: plan.configuration.proxyProtocol))
        }
        if let fd = plan.sockets.metrics { server.addListener(HTTPListener(fd: fd, tls: nil, responder: metrics)) }
        server.start()
        return server
    }
}

extension HTTPServer: WorkerServer {}
