import CLibPQ
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// What a connection tells its pool. Called on the queue, never re-entrantly from `send`.
protocol PostgresConnectionDelegate: AnyObject {
    /// Setup finished: the session is configured and every statement is prepared.
    func connectionBecameReady(_ connection: PostgresConnection)
    /// A batch got its answer (after its Sync) or passed its deadline.
    func connection(_ connection: PostgresConnection, answered request: BatchRequest, with result: Result<[QueryResult], PostgresError>)
    /// One or more segments finished: the connection can take more batches.
    func connectionHasCapacity(_ connection: PostgresConnection)
    /// The connection is gone. `wasReady` false means it never finished connecting.
    /// `unanswered` are the callers whose batches were in flight and not yet answered.
    func connectionClosed(_ connection: PostgresConnection, error: PostgresError, wasReady: Bool, unanswered: [BatchRequest])
}

/// How every connection of a pool opens its session.
struct ConnectionSetup: Sendable {
    var connectionString: String
    var applicationName: String
    var statementTimeoutMilliseconds: Int
    var connectTimeoutMilliseconds: Int
    var statements: [PreparedStatement]
}

/// One libpq connection in non-blocking pipeline mode, from PQconnectStart to PQfinish.
///
/// States: connecting → preparing → ready → closed (a reconnect is a new instance).
/// - connecting: the host name resolved off the queue (HostResolution), then PQconnectPoll,
///   driven by poll(2) on a short timer. libpq may close and
///   reopen its socket while it tries the addresses of a host name; a DispatchSource would
///   keep watching a stale registration of a reused descriptor number, so sources are only
///   attached once the socket is final.
/// - preparing: one pipeline segment sets `TimeZone=UTC` and `statement_timeout` and
///   prepares every statement; its Sync result makes the connection ready.
/// - ready: batches are sent as they come (PQsendQueryPrepared per query + PQpipelineSync)
///   and answered in the order they were sent.
final class PostgresConnection: @unchecked Sendable {
    // @unchecked Sendable: every method runs on `queue`, the worker's serial queue; Dispatch
    // handlers capture the connection only to call back onto that same queue.
    enum State: Equatable { case connecting, preparing, ready, closed }

    let queue: DispatchQueue
    let setup: ConnectionSetup
    weak var delegate: PostgresConnectionDelegate?
    private(set) var state = State.connecting
    private(set) var backendPID: Int32 = 0
    /// Batches sent whose caller already got `.timeout`; while any is outstanding the
    /// connection takes no new work (it may be stuck behind a lock or a dead network).
    private(set) var timedOutUnanswered = 0

    private var handle: OpaquePointer?
    private var watcher: SocketWatcher?
    private var segments = FIFO<PipelineSegment>()
    private var resultSinceNull = false
    private var wantsWrite = false
    private var processingScheduled = false
    private var sessionEndedBy: PostgresError?
    private var pollingFor = PGRES_POLLING_WRITING
    private let connectDeadline: UInt64

    init(setup: ConnectionSetup, queue: DispatchQueue) {
        self.setup = setup
        self.queue = queue
        connectDeadline = uptimeNanoseconds() + UInt64(max(1, setup.connectTimeoutMilliseconds)) * 1_000_000
    }

    /// Segments sent and not yet answered at their Sync (the setup segment included).
    var inFlight: Int { segments.count }
    /// Segments in flight whose commit waits for a WAL flush (`QueryBatch.awaitsDurableCommit`).
    private(set) var durableInFlight = 0
    /// Uptime in nanoseconds of the last send, for closing idle burst connections.
    private(set) var lastSentAt = uptimeNanoseconds()
    var isReady: Bool { state == .ready }
    var acceptsWork: Bool { state == .ready && timedOutUnanswered == 0 }

    deinit {
        // Only reached when a pool was dropped without `shutdown`: still release the socket
        // and the PGconn, after Dispatch stopped watching the descriptor.
        guard let handle else { return }
        let owned = OwnedHandle(pointer: handle)
        if let watcher {
            watcher.cancel { PQfinish(owned.pointer) }
        } else {
            PQfinish(handle)
        }
    }

    /// A PGconn handed to a cancel handler once nothing else refers to it.
    private struct OwnedHandle: @unchecked Sendable {
        // @unchecked Sendable: the connection that owned it is gone; only PQfinish uses it.
        let pointer: OpaquePointer
    }

    var debugSummary: String {
        "\(state) pid=\(backendPID) tickInput=\(inputFoundByTick) inFlight=\(segments.count) timedOut=\(timedOutUnanswered) wantsWrite=\(wantsWrite) busy=\(handle.map { PQisBusy($0) } ?? -1) status=\(handle.map { PQstatus($0).rawValue } ?? 99)"
    }

    // MARK: Connecting

    /// Starts connecting. A host name is resolved first, on a global queue (see
    /// HostResolution): libpq would look it up inside PQconnectStart, blocking this queue.
    func start() {
        guard let plan = HostResolution.plan(setup.connectionString) else {
            connect(keywords: ["dbname"], values: [setup.connectionString], expandDatabase: true)
            return
        }
        let queue = self.queue
        DispatchQueue.global().async { [weak self] in
            let resolved = HostResolution.resolve(plan)
            queue.async { [weak self] in self?.resolved(resolved) }
        }
    }

    private func resolved(_ result: Result<[HostResolution.Parameter], PostgresError>) {
        // Closed meanwhile (the connect timeout, a shutdown): nothing to do.
        guard state == .connecting, handle == nil else { return }
        switch result {
        case .failure(let error):
            close(error: error)
        case .success(let parameters):
            connect(keywords: parameters.map(\.key), values: parameters.map(\.value), expandDatabase: false)
        }
    }

    private func connect(keywords: [String], values: [String], expandDatabase: Bool) {
        let connection = Self.withCStringArray(keywords + ["fallback_application_name"]) { keywordPointers in
            Self.withCStringArray(values + [setup.applicationName]) { valuePointers in
                PQconnectStartParams(keywordPointers, valuePointers, expandDatabase ? 1 : 0)
            }
        }
        guard let connection else {
            close(error: PostgresError(kind: .connect, message: "out of memory"))
            return
        }
        handle = connection
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        guard PQstatus(connection) != CONNECTION_BAD else {
            close(error: connectError(connection))
            return
        }
        // libpq: right after PQconnectStart, act as if PQconnectPoll had returned WRITING.
        pollingFor = PGRES_POLLING_WRITING
        advanceConnect()
    }

    private func advanceConnect() {
        guard state == .connecting, let connection = handle else { return }
        while true {
            if uptimeNanoseconds() >= connectDeadline {
                close(error: PostgresError(kind: .connect, message: "connecting timed out after \(setup.connectTimeoutMilliseconds) ms"))
                return
            }
            let descriptor = PQsocket(connection)
            if descriptor >= 0 {
                let events = pollingFor == PGRES_POLLING_READING ? Int16(POLLIN) : Int16(POLLOUT)
                var request = pollfd(fd: descriptor, events: events, revents: 0)
                if poll(&request, 1, 0) == 0 {
                    queue.asyncAfter(deadline: .now() + .milliseconds(2)) { [weak self] in self?.advanceConnect() }
                    return
                }
            }
            let status = PQconnectPoll(connection)
            switch status {
            case PGRES_POLLING_OK:
                connected(connection)
                return
            case PGRES_POLLING_FAILED:
                close(error: connectError(connection))
                return
            default:
                pollingFor = status
            }
        }
    }

    private func connected(_ connection: OpaquePointer) {
        guard PQsetnonblocking(connection, 1) == 0, PQenterPipelineMode(connection) == 1 else {
            close(error: connectError(connection))
            return
        }
        backendPID = PQbackendPID(connection)
        guard let watcher = SocketWatcher(
            libpqSocket: PQsocket(connection), queue: queue,
            onReadable: { [weak self] in self?.readable(consume: true) },
            onWritable: { [weak self] in self?.flush() }
        ) else {
            close(error: PostgresError(kind: .connect, message: "cannot watch the socket (out of file descriptors?)"))
            return
        }
        self.watcher = watcher
        watcher.watch(read: true, write: false)
        state = .preparing

        let segment = PipelineSegment(request: nil, queryCount: 1 + setup.statements.count, sentAt: uptimeNanoseconds())
        segments.append(segment)
        let settings = "SELECT set_config('TimeZone', 'UTC', false), set_config('statement_timeout', $1, false)"
        var sent = Self.send(connection, sql: settings, parameters: [String(max(0, setup.statementTimeoutMilliseconds))])
        for statement in setup.statements where sent {
            sent = PQsendPrepare(connection, statement.name, statement.sql, Int32(statement.parameterTypes.count), statement.parameterTypes) == 1
        }
        guard sent, PQpipelineSync(connection) == 1 else {
            close(error: connectError(connection))
            return
        }
        flush()
    }

    private func connectError(_ connection: OpaquePointer) -> PostgresError {
        PostgresError(kind: .connect, message: String(cString: PQerrorMessage(connection)).trimmingTrailingNewlines())
    }

    // MARK: Sending

    /// Sends the batch as one pipeline segment, and each of its followers as a segment of its
    /// own right behind it, then flushes once: one write, one round trip for all of them.
    /// Only for a connection that `acceptsWork`.
    func send(_ request: BatchRequest) {
        guard state == .ready, let connection = handle else {
            preconditionFailure("send on a connection that is not ready")
        }
        let followers = request.followers
        request.followers = []
        let now = uptimeNanoseconds()
        lastSentAt = now
        if request.batch.awaitsDurableCommit { durableInFlight += 1 }
        for follower in followers where follower.batch.awaitsDurableCommit { durableInFlight += 1 }
        // Every segment is registered before anything is written, so a send that fails hands
        // all of them back to the pool (see `close`), followers included.
        segments.append(PipelineSegment(request: request, queryCount: request.batch.queries.count, sentAt: now))
        for follower in followers {
            segments.append(PipelineSegment(request: follower, queryCount: follower.batch.queries.count, sentAt: now))
        }
        guard Self.queue(request.batch, on: connection) else { lose(connection); return }
        for follower in followers {
            guard Self.queue(follower.batch, on: connection) else { lose(connection); return }
        }
        flush()
    }

    /// Puts one batch and its Sync in libpq's output buffer; false when libpq refused.
    private static func queue(_ batch: QueryBatch, on connection: OpaquePointer) -> Bool {
        for query in batch.queries {
            guard send(connection, statement: query.statement.name, parameters: query.parameters) else { return false }
        }
        return PQpipelineSync(connection) == 1
    }

    /// PQflush until libpq's output buffer is empty; while it is not, watch for writability.
    private func flush() {
        guard state == .preparing || state == .ready, let connection = handle else { return }
        switch PQflush(connection) {
        case 0:
            if wantsWrite { wantsWrite = false; watcher?.watch(read: true, write: false) }
        case 1:
            if !wantsWrite { wantsWrite = true; watcher?.watch(read: true, write: true) }
        default:
            lose(connection)
            return
        }
        checkAfterWrite(connection)
    }

    /// When a send cannot go out whole, libpq reads from the socket itself (to avoid a
    /// deadlock with a server blocked on writing to us). What it read no longer makes the
    /// socket readable, and if it read EOF libpq has already closed its socket: no event
    /// would ever come. So after writing, look at libpq's state instead of waiting for one.
    private func checkAfterWrite(_ connection: OpaquePointer) {
        if PQstatus(connection) != CONNECTION_OK {
            lose(connection)
        } else if !segments.isEmpty, !processingScheduled, PQisBusy(connection) == 0 {
            // Not inline: this may run inside a completion, and answers must keep their order.
            processingScheduled = true
            queue.async { [weak self] in
                guard let self else { return }
                self.processingScheduled = false
                self.readable(consume: false)
            }
        }
    }

    // MARK: Receiving

    private func readable(consume: Bool = true, consumed alreadyConsumed: Bool = true) {
        guard state == .preparing || state == .ready, let connection = handle else { return }
        let consumed = consume ? PQconsumeInput(connection) == 1 : alreadyConsumed
        // Results already buffered are read even when the socket just failed: a Sync that
        // arrived before the break is a confirmed commit and is answered as such.
        processResults()
        guard state != .closed else { return }
        if !consumed || PQstatus(connection) != CONNECTION_OK {
            lose(connection)
            return
        }
        if wantsWrite { flush() }
    }

    private func processResults() {
        var finished: [PipelineSegment] = []
        var desynchronized = false
        var consecutiveNulls = 0
        while let connection = handle, let segment = segments.first, PQisBusy(connection) == 0 {
            guard let result = PQgetResult(connection) else {
                if resultSinceNull {
                    resultSinceNull = false
                    consecutiveNulls = 0
                    if segment.answeredQueries < segment.queryCount { segment.answeredQueries += 1 }
                    continue
                }
                // A NULL with nothing before it: libpq has nothing more right now.
                consecutiveNulls += 1
                if consecutiveNulls >= 2 { break }
                continue
            }
            consecutiveNulls = 0
            let status = PQresultStatus(result)
            switch status {
            case PGRES_PIPELINE_SYNC:
                resultSinceNull = false
                _ = segments.popFirst()
                if segment.request?.batch.awaitsDurableCommit == true { durableInFlight -= 1 }
                if segment.answeredQueries < segment.queryCount && segment.error == nil {
                    desynchronized = true
                }
                finished.append(segment)
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                resultSinceNull = true
                if segment.request != nil, segment.error == nil {
                    do { segment.results.append(try ResultReader.read(result, connection: connection)) } catch { segment.error = error }
                }
            case PGRES_PIPELINE_ABORTED:
                resultSinceNull = true
                if segment.error == nil {
                    segment.error = PostgresError(kind: .server, message: "pipeline aborted")
                }
            default:
                resultSinceNull = true
                if segment.error == nil { segment.error = ResultReader.error(from: result) }
                if Self.endsSession(result) { sessionEndedBy = ResultReader.error(from: result) }
            }
            PQclear(result)
            if desynchronized { break }
        }
        for segment in finished { complete(segment) }
        if let fatal = sessionEndedBy, state != .closed {
            // A FATAL error (pg_terminate_backend, shutdown, database dropped): the server is
            // closing this session. Act now rather than wait for the EOF to be reported.
            close(error: PostgresError(kind: .connectionLost, sqlState: fatal.sqlState, message: "the server ended the session: \(fatal.message)"))
        } else if desynchronized, state != .closed {
            close(error: PostgresError(kind: .connectionLost, message: "pipeline results out of step with the requests"))
        } else if !finished.isEmpty, state == .ready {
            delegate?.connectionHasCapacity(self)
        }
    }

    private func complete(_ segment: PipelineSegment) {
        guard let request = segment.request else {
            if let error = segment.error {
                close(error: PostgresError(kind: .connect, sqlState: error.sqlState, message: "session setup failed: \(error.message)"))
            } else if state == .preparing {
                state = .ready
                delegate?.connectionBecameReady(self)
            }
            return
        }
        if segment.timedOut {
            timedOutUnanswered -= 1
            return
        }
        delegate?.connection(self, answered: request, with: segment.result)
    }

    /// FATAL and PANIC errors end the session; ERROR only aborts the segment.
    private static func endsSession(_ result: OpaquePointer) -> Bool {
        guard let severity = PQresultErrorField(result, Int32(UInt8(ascii: "V"))) else { return false }
        let text = String(cString: severity)
        return text == "FATAL" || text == "PANIC"
    }

    // MARK: Deadlines

    /// Answers callers whose deadline passed with `.timeout`. A connection still without an
    /// answer `stuckAfter` nanoseconds past a deadline is presumed dead and closed; a
    /// connection still connecting past the connect timeout is abandoned.
    func expireDeadlines(now: UInt64, stuckAfter: UInt64) {
        switch state {
        case .closed:
            return
        case .connecting:
            if now >= connectDeadline {
                close(error: PostgresError(kind: .connect, message: "connecting timed out after \(setup.connectTimeoutMilliseconds) ms"))
            }
            return
        case .preparing:
            if now >= connectDeadline {
                close(error: PostgresError(kind: .connect, message: "connecting timed out after \(setup.connectTimeoutMilliseconds) ms"))
                return
            }
            rescueMissedInput()
            return
        case .ready:
            rescueMissedInput()
            guard state == .ready else { return }
        }
        var stuck = false
        for segment in segments {
            guard let request = segment.request else { continue }
            if segment.timedOut {
                if request.deadline &+ stuckAfter <= now { stuck = true }
            } else if request.deadline <= now {
                segment.timedOut = true
                timedOutUnanswered += 1
                delegate?.connection(self, answered: request, with: .failure(PostgresError(kind: .timeout, message: "no answer within the request deadline")))
            }
        }
        if stuck, state != .closed {
            close(error: PostgresError(kind: .connectionLost, message: "no answer from the server long after a deadline; connection dropped"))
        }
    }

    /// Reads on the deadline tick too, not only on socket events. Should a readiness event
    /// ever be missed (libpq read the data itself while sending; an EOF that was not
    /// reported), answers are late by one tick instead of stalling until their deadline, and a
    /// dead idle connection is noticed within a tick. PQconsumeInput on a socket with nothing
    /// to read costs one non-blocking recv. Counts the ticks that found what no event had.
    private func rescueMissedInput() {
        guard let connection = handle, let watcher else { return }
        var available: Int32 = 0
        let bufferedResult = !segments.isEmpty && PQisBusy(connection) == 0
        let unreadBytes = ioctl(watcher.descriptor, UInt(FIONREAD), &available) == 0 && available > 0
        let consumed = PQconsumeInput(connection) == 1
        if bufferedResult || unreadBytes || !consumed || PQstatus(connection) != CONNECTION_OK {
            inputFoundByTick += 1
        }
        readable(consume: false, consumed: consumed)
    }

    /// Times the deadline tick found input that no socket event had delivered.
    private(set) var inputFoundByTick = 0

    // MARK: Closing

    private func lose(_ connection: OpaquePointer) {
        let message = String(cString: PQerrorMessage(connection)).trimmingTrailingNewlines()
        close(error: PostgresError(kind: .connectionLost, message: message.isEmpty ? "connection lost" : message))
    }

    /// Closes the connection now. Batches in flight are handed back to the delegate unanswered.
    func close(error: PostgresError) {
        guard state != .closed else { return }
        let wasReady = state == .ready
        state = .closed
        durableInFlight = 0
        let unanswered = segments.removeAll().compactMap { segment in
            segment.timedOut ? nil : segment.request
        }
        if let watcher {
            // PQfinish once Dispatch has let go of the socket (see SocketWatcher).
            watcher.cancel { [self] in finishHandle() }
            self.watcher = nil
        } else {
            finishHandle()
        }
        delegate?.connectionClosed(self, error: error, wasReady: wasReady, unanswered: unanswered)
    }

    private func finishHandle() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    // MARK: C strings

    private static func send(_ connection: OpaquePointer, statement: String, parameters: [PostgresParameter]) -> Bool {
        withParameterPointers(parameters) { pointers in
            PQsendQueryPrepared(connection, statement, Int32(parameters.count), pointers, nil, nil, 0) == 1
        }
    }

    private static func send(_ connection: OpaquePointer, sql: String, parameters: [PostgresParameter]) -> Bool {
        withParameterPointers(parameters) { pointers in
            PQsendQueryParams(connection, sql, Int32(parameters.count), nil, pointers, nil, nil, 0) == 1
        }
    }

    /// The parameters as NUL-terminated strings in one buffer (one allocation per query).
    private static func withParameterPointers<R>(_ parameters: [PostgresParameter], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        if parameters.isEmpty { return body([]) }
        var bytes: [CChar] = []
        var offsets: [Int] = []
        offsets.reserveCapacity(parameters.count)
        for parameter in parameters {
            guard let parameter else { offsets.append(-1); continue }
            offsets.append(bytes.count)
            for byte in parameter.utf8 { bytes.append(CChar(bitPattern: byte)) }
            bytes.append(0)
        }
        return bytes.withUnsafeBufferPointer { buffer in
            body(offsets.map { $0 < 0 ? nil : UnsafePointer(buffer.baseAddress! + $0) })
        }
    }

    /// NUL-terminated copies of `strings`, and a final NULL, as libpq's *Params functions take them.
    static func withCStringArray<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        return body(copies.map { $0.map { UnsafePointer($0) } } + [nil])
    }
}
