import Dispatch

/// A worker's connections to PostgreSQL, confined to the worker's serial queue.
///
/// Every method must be called on `queue`, and every completion runs on `queue`.
/// How a batch travels and what each error means: see Postgres.docc/Postgres.md in this folder.
public final class PostgresPool: @unchecked Sendable {
    // @unchecked Sendable: all state is read and written on `queue` only (the entry points
    // check it); Dispatch handlers capture the pool merely to run on that same queue.
    public let configuration: PostgresConfiguration
    public let queue: DispatchQueue
    public let statements: [PreparedStatement]

    private enum Phase { case idle, running, shuttingDown, stopped }

    /// One of `poolSize` places for a connection; a reconnect puts a new connection there.
    private struct Slot {
        var connection: PostgresConnection?
        /// Failed attempts in a row, for the backoff.
        var failures = 0
        var reconnectScheduled = false
        var hasConnectedBefore = false
    }

    private var phase = Phase.idle
    private var slots: [Slot]
    /// Connections beyond `poolSize`, opened one at a time while durable writes find every
    /// connection already waiting for a flush; never reconnected, closed when idle.
    private var burst: [PostgresConnection] = []
    /// After a burst connection failed to connect (say, max_connections reached), none is
    /// tried again before this uptime. The pool goes on with what it has.
    private var burstPausedUntil: UInt64 = 0
    private var pending = FIFO<BatchRequest>()
    /// Reads whose connection broke, sent again before anything in `pending`.
    private var retries = FIFO<BatchRequest>()
    /// Failed connection attempts since a connection was last ready. While no connection is
    /// up and this is non-zero the database is presumed down and callers are refused at once.
    private var failuresSinceHealthy = 0
    private var counters = PostgresPoolStats()
    private var ticker: DispatchSourceTimer?
    private var shutdownCompletions: [() -> Void] = []
    private let setup: ConnectionSetup
    private let backoff: ReconnectBackoff
    private let deadlineNanoseconds: UInt64

    /// The last connection or server error seen while connecting or on a lost connection,
    /// for logs and `/readyz` details. Never meant for HTTP clients.
    public private(set) var lastError: PostgresError?

    public init(configuration: PostgresConfiguration, statements: [PreparedStatement], queue: DispatchQueue) {
        self.configuration = configuration
        self.queue = queue
        self.statements = statements
        slots = Array(repeating: Slot(), count: max(1, configuration.poolSize))
        setup = ConnectionSetup(
            connectionString: configuration.connectionString,
            applicationName: configuration.applicationName,
            statementTimeoutMilliseconds: configuration.statementTimeoutMilliseconds,
            connectTimeoutMilliseconds: configuration.connectTimeoutMilliseconds,
            statements: statements
        )
        backoff = ReconnectBackoff(
            initialMilliseconds: configuration.reconnectInitialDelayMilliseconds,
            maxMilliseconds: configuration.reconnectMaxDelayMilliseconds
        )
        deadlineNanoseconds = UInt64(max(1, configuration.requestDeadlineMilliseconds)) * 1_000_000
    }

    deinit {
        ticker?.cancel()
    }

    // MARK: Public API

    /// Opens the connections (non-blocking) and keeps them open, reconnecting with backoff.
    public func start() {
        dispatchPrecondition(condition: .onQueue(queue))
        guard phase == .idle else { return }
        phase = .running
        // The tick expires deadlines and also reads every connection (see PostgresConnection
        // .rescueMissedInput), so it bounds how late a missed socket event can make an answer.
        let tick = max(5, min(25, configuration.requestDeadlineMilliseconds / 20))
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .milliseconds(tick), repeating: .milliseconds(tick), leeway: .milliseconds(tick / 2))
        timer.setEventHandler { [weak self] in self?.expireDeadlines() }
        timer.resume()
        ticker = timer
        for index in slots.indices { connect(index) }
    }

    /// Stops taking batches, lets the waiting and in-flight ones finish (each bounded by its
    /// deadline), then closes every connection and calls `completion` on the queue.
    public func shutdown(completion: @escaping () -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        switch phase {
        case .idle, .stopped:
            phase = .stopped
            completion()
        case .shuttingDown:
            shutdownCompletions.append(completion)
        case .running:
            phase = .shuttingDown
            shutdownCompletions.append(completion)
            for index in slots.indices {
                slots[index].reconnectScheduled = false
                if let connection = slots[index].connection, !connection.isReady {
                    connection.close(error: PostgresError(kind: .unavailable, message: "pool shutting down"))
                }
            }
            for connection in burst where !connection.isReady {
                connection.close(error: PostgresError(kind: .unavailable, message: "pool shutting down"))
            }
            finishShutdownIfDrained()
        }
    }

    /// True while at least one connection is up and prepared.
    public var isReady: Bool {
        phase == .running && hasReadyConnection
    }

    private var hasReadyConnection: Bool {
        slots.contains { $0.connection?.isReady == true } || burst.contains(where: \.isReady)
    }

    /// Every open connection: the slots' and the burst ones.
    private var connections: [PostgresConnection] {
        slots.compactMap(\.connection) + burst
    }

    /// Counters and current sizes, for metrics.
    public var stats: PostgresPoolStats {
        var stats = counters
        for connection in connections {
            switch connection.state {
            case .ready: stats.connectionsUp += 1
            case .connecting, .preparing: stats.connectionsConnecting += 1
            case .closed: break
            }
            if connection.state == .ready { stats.batchesInFlight += connection.inFlight }
        }
        stats.batchesPending = pending.count + retries.count
        return stats
    }

    /// One line per connection slot and the queues, for logs when something looks stuck.
    public var debugSummary: String {
        var lines = ["phase=\(phase) pending=\(pending.count) retries=\(retries.count) failuresSinceHealthy=\(failuresSinceHealthy)"]
        for (index, slot) in slots.enumerated() {
            lines.append("slot \(index): failures=\(slot.failures) reconnectScheduled=\(slot.reconnectScheduled) \(slot.connection?.debugSummary ?? "no connection")")
        }
        for connection in burst {
            lines.append("burst: \(connection.debugSummary)")
        }
        return lines.joined(separator: "\n")
    }

    /// Server process ids of the ready connections (for logs, and for tests that kill them).
    public var backendProcessIDs: [Int32] {
        connections.filter(\.isReady).map(\.backendPID)
    }

    /// Runs the batch as one pipeline segment (one implicit transaction). On success the
    /// results come back in the order of `batch.queries`, after PostgreSQL committed.
    public func run(_ batch: QueryBatch, completion: @escaping (Result<[QueryResult], PostgresError>) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        if let invalid = Self.validate(batch) {
            counters.serverErrors += 1
            completion(.failure(invalid))
            return
        }
        submit(BatchRequest(batch: batch, deadline: uptimeNanoseconds() + deadlineNanoseconds, completion: completion))
    }

    /// Runs the batches as consecutive pipeline segments on one connection, written in one
    /// flush: the round trip of one batch for all of them. Each batch is its own implicit
    /// transaction (an error in one does not touch the others); PostgreSQL runs them in the
    /// given order, so a later batch sees what an earlier one committed. `completion` gets
    /// one result per batch, in order, once every batch was answered.
    public func run(together batches: [QueryBatch], completion: @escaping ([Result<[QueryResult], PostgresError>]) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard batches.count > 1 else {
            guard let only = batches.first else { completion([]); return }
            run(only) { completion([$0]) }
            return
        }
        if let invalid = batches.lazy.compactMap(Self.validate).first {
            counters.serverErrors += 1
            completion(Array(repeating: .failure(invalid), count: batches.count))
            return
        }
        var results = [Result<[QueryResult], PostgresError>?](repeating: nil, count: batches.count)
        var unanswered = batches.count
        let deadline = uptimeNanoseconds() + deadlineNanoseconds
        let requests = batches.enumerated().map { index, batch in
            BatchRequest(batch: batch, deadline: deadline) { result in
                // Every completion runs on the queue, so this state needs no lock.
                results[index] = result
                unanswered -= 1
                if unanswered == 0 { completion(results.map { $0! }) }
            }
        }
        let head = requests[0]
        head.followers = Array(requests.dropFirst())
        submit(head)
    }

    // MARK: Dispatching

    /// Sends the request (and its followers) now, queues it, or refuses it.
    private func submit(_ request: BatchRequest) {
        guard phase == .running else {
            refuse(request, because: phase == .idle ? "pool not started" : "pool shutting down")
            return
        }
        if retries.isEmpty, pending.isEmpty, let connection = connection(for: request) {
            connection.send(request)
            return
        }
        guard mayWait else {
            refuse(request, because: "no database connection")
            return
        }
        guard pending.count + retries.count < configuration.maxPendingBatches else {
            refuse(request, because: "too many batches waiting for a database connection")
            return
        }
        pending.append(request)
    }

    /// A batch that can never succeed is answered without touching a connection: libpq would
    /// cut a parameter at a NUL byte (and PostgreSQL text cannot hold one), and the protocol
    /// carries at most 65535 parameters.
    private static func validate(_ batch: QueryBatch) -> PostgresError? {
        for query in batch.queries {
            if query.parameters.count > 65_535 {
                return PostgresError(kind: .server, sqlState: "54023", message: "more than 65535 parameters for \(query.statement.name)")
            }
            for (index, parameter) in query.parameters.enumerated() {
                if let parameter, parameter.utf8.contains(0) {
                    return PostgresError(kind: .server, sqlState: "22021", message: "parameter \(index + 1) of \(query.statement.name) contains a NUL byte")
                }
            }
        }
        return nil
    }

    /// Whether a batch that finds no free connection may wait: some connection is up, or one
    /// is on its way and the database has not refused a connection since it was last healthy.
    private var mayWait: Bool {
        if hasReadyConnection { return true }
        guard failuresSinceHealthy == 0 else { return false }
        return slots.contains { $0.connection != nil || $0.reconnectScheduled }
    }

    /// Where a batch goes: the least loaded connection, preferring one where no commit waits
    /// for a WAL flush (a pipeline answers in order, so anything sent behind such a commit
    /// waits for that flush too). A durable write that finds every connection waiting so
    /// opens a burst connection for the writes after it.
    private func connection(for request: BatchRequest) -> PostgresConnection? {
        var best: PostgresConnection?
        var bestLoad = (Int.max, Int.max)
        func consider(_ connection: PostgresConnection) {
            guard connection.acceptsWork, connection.inFlight < configuration.maxInFlightPerConnection else { return }
            let load = (connection.durableInFlight > 0 ? 1 : 0, connection.inFlight)
            if load < bestLoad { best = connection; bestLoad = load }
        }
        for slot in slots { if let connection = slot.connection { consider(connection) } }
        for connection in burst { consider(connection) }
        if bestLoad.0 > 0 || best == nil, request.awaitsDurableCommit { openBurstConnection() }
        return best
    }

    /// Opens one more connection beyond `poolSize`, unless the burst is at its size, one is
    /// already on its way, or the database is failing.
    private func openBurstConnection() {
        guard phase == .running, burst.count < configuration.burstSize, failuresSinceHealthy == 0,
              !burst.contains(where: { !$0.isReady }), uptimeNanoseconds() >= burstPausedUntil else { return }
        let connection = PostgresConnection(setup: setup, queue: queue)
        connection.delegate = self
        burst.append(connection)
        counters.burstOpened += 1
        connection.start()
    }

    /// Closes burst connections that stood idle for `burstIdleMilliseconds`.
    private func closeIdleBurst(now: UInt64) {
        let idleAfter = UInt64(max(0, configuration.burstIdleMilliseconds)) * 1_000_000
        for connection in burst where connection.isReady && connection.inFlight == 0 && now &- connection.lastSentAt >= idleAfter {
            // Out of `burst` first: the close then reports to no one, and nothing was in flight.
            burst.removeAll { $0 === connection }
            counters.burstClosedIdle += 1
            connection.close(error: PostgresError(kind: .unavailable, message: "burst connection idle"))
        }
    }

    private func drain() {
        while let request = retries.first ?? pending.first {
            if request.isFinished {
                _ = retries.isEmpty ? pending.popFirst() : retries.popFirst()
                continue
            }
            guard let connection = connection(for: request) else { break }
            _ = retries.isEmpty ? pending.popFirst() : retries.popFirst()
            connection.send(request)
        }
        finishShutdownIfDrained()
    }

    private func refuse(_ request: BatchRequest, because reason: String) {
        var message = reason
        if let lastError { message += " (last error: \(lastError.message))" }
        finish(request, .failure(PostgresError(kind: .unavailable, message: message)))
    }

    private func refuseWaiting(because reason: String) {
        for request in retries.removeAll() + pending.removeAll() {
            refuse(request, because: reason)
        }
    }

    private func finish(_ request: BatchRequest, _ result: Result<[QueryResult], PostgresError>) {
        // Followers not sent yet share their head's fate (refused, or timed out waiting).
        let followers = request.followers
        request.followers = []
        for follower in followers { finish(follower, result) }
        guard !request.isFinished else { return }
        switch result {
        case .success: counters.batchesSucceeded += 1
        case .failure(let error):
            switch error.kind {
            case .server: counters.serverErrors += 1
            case .unavailable, .connect: counters.rejected += 1
            case .timeout: counters.timeouts += 1
            case .connectionLost: counters.lostInFlight += 1
            }
        }
        request.finish(result)
    }

    // MARK: Deadlines

    private func expireDeadlines() {
        let now = uptimeNanoseconds()
        let timeout = PostgresError(kind: .timeout, message: "no database connection free within the request deadline")
        // Pending batches all got the same deadline length, so they expire in queue order.
        while let first = pending.first, first.isFinished || first.deadline <= now {
            _ = pending.popFirst()
            finish(first, .failure(timeout))
        }
        for request in retries.removeAll(where: { $0.isFinished || $0.deadline <= now }) {
            finish(request, .failure(timeout))
        }
        closeIdleBurst(now: now)
        for connection in connections {
            let rescuesBefore = connection.inputFoundByTick
            connection.expireDeadlines(now: now, stuckAfter: deadlineNanoseconds)
            counters.inputFoundByTick += UInt64(connection.inputFoundByTick - rescuesBefore)
        }
    }

    // MARK: Connections

    private func connect(_ index: Int) {
        slots[index].reconnectScheduled = false
        guard phase == .running, slots[index].connection == nil else { return }
        let connection = PostgresConnection(setup: setup, queue: queue)
        connection.delegate = self
        slots[index].connection = connection
        connection.start()
    }

    private func scheduleReconnect(_ index: Int) {
        guard phase == .running, !slots[index].reconnectScheduled else { return }
        slots[index].reconnectScheduled = true
        let delay = backoff.delayMilliseconds(afterFailures: slots[index].failures)
        queue.asyncAfter(deadline: .now() + .milliseconds(delay)) { [weak self] in
            guard let self, self.slots[index].reconnectScheduled else { return }
            self.connect(index)
        }
    }

    private func slotIndex(of connection: PostgresConnection) -> Int? {
        slots.firstIndex { $0.connection === connection }
    }

    private func finishShutdownIfDrained() {
        guard phase == .shuttingDown else { return }
        let live = connections
        if !(retries.isEmpty && pending.isEmpty) {
            guard live.contains(where: \.isReady) else {
                refuseWaiting(because: "pool shutting down")
                return finishShutdownIfDrained()
            }
            return
        }
        guard !live.contains(where: { $0.inFlight > 0 }) else { return }
        phase = .stopped
        ticker?.cancel()
        ticker = nil
        for connection in live {
            connection.close(error: PostgresError(kind: .unavailable, message: "pool shut down"))
        }
        let completions = shutdownCompletions
        shutdownCompletions = []
        for completion in completions { completion() }
    }
}

extension PostgresPool: PostgresConnectionDelegate {
    func connectionBecameReady(_ connection: PostgresConnection) {
        guard let index = slotIndex(of: connection) else {
            if burst.contains(where: { $0 === connection }) { drain() }
            return
        }
        if slots[index].hasConnectedBefore { counters.reconnects += 1 }
        slots[index].hasConnectedBefore = true
        slots[index].failures = 0
        failuresSinceHealthy = 0
        drain()
    }

    func connection(_ connection: PostgresConnection, answered request: BatchRequest, with result: Result<[QueryResult], PostgresError>) {
        finish(request, result)
    }

    func connectionHasCapacity(_ connection: PostgresConnection) {
        drain()
    }

    func connectionClosed(_ connection: PostgresConnection, error: PostgresError, wasReady: Bool, unanswered: [BatchRequest]) {
        guard let index = slotIndex(of: connection) else {
            guard let position = burst.firstIndex(where: { $0 === connection }) else { return }
            burst.remove(at: position)
            if phase == .running {
                if wasReady {
                    counters.connectionsLost += 1
                } else {
                    // Not a sign the database is down (the slots say that): most likely its
                    // connection limit. Pause the burst rather than retry at once.
                    counters.connectFailures += 1
                    burstPausedUntil = uptimeNanoseconds() + UInt64(configuration.reconnectMaxDelayMilliseconds) * 1_000_000
                }
            }
            takeBack(unanswered, lost: error)
            drain()
            return
        }
        slots[index].connection = nil
        if phase == .running {
            lastError = error
            if wasReady {
                counters.connectionsLost += 1
                slots[index].failures = 0
            } else {
                counters.connectFailures += 1
                slots[index].failures += 1
                failuresSinceHealthy += 1
            }
        }
        takeBack(unanswered, lost: error)
        scheduleReconnect(index)
        if !mayWait { refuseWaiting(because: "no database connection") }
        drain()
    }

    /// The batches a closed connection had in flight: reads are sent again once, writes fail
    /// (their commit was not confirmed).
    private func takeBack(_ unanswered: [BatchRequest], lost error: PostgresError) {
        for request in unanswered where !request.isFinished {
            if request.batch.isReadOnly && !request.retried {
                request.retried = true
                counters.retriedReads += 1
                retries.append(request)
            } else {
                finish(request, .failure(PostgresError(
                    kind: .connectionLost,
                    message: "connection lost before the batch's commit was confirmed: \(error.message)"
                )))
            }
        }
    }
}
