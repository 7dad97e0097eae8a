#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import HTTP
import LeadsAPI
import Metrics
import Postgres

/// A worker from the moment fork returns in the child: everything it does happens on one
/// serial queue; the main thread only parks in `dispatchMain`.
enum WorkerProcess {
    static func run(_ plan: WorkerPlan) -> Never {
        if getppid() != plan.masterPID { _exit(0) }  // the master died while forking us
        if TestHooks.workerExitsAtStart { _exit(3) }
        signal(SIGPIPE, SIG_IGN)
        // SIGTERM, SIGINT and SIGHUP stay blocked (inherited from the master): Dispatch's
        // signal sources read them from a signalfd, which needs exactly that.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGCHLD)
        sigaddset(&unblock, MasterSignals.workerReady)
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
        WorkerMetrics.install(plan.metrics)
        let worker = Worker(plan: plan)
        worker.queue.async { worker.start() }
        dispatchMain()
    }
}

/// The worker's parts, composed on its queue: database pool, application, HTTP server,
/// access log, signals.
final class Worker: @unchecked Sendable {
    // Sendable: every member is used only on `queue` after `start()`.
    let queue = DispatchQueue(label: "leadsd.worker")
    private let plan: WorkerPlan
    private var pool: PostgresPool?
    private var server: WorkerServer?
    private var accessLog: AccessLog?
    private var signalSources: [DispatchSourceSignal] = []
    private var draining = false
    private var masterWatch: DispatchSourceTimer?
    private var poolStatsTimer: DispatchSourceTimer?

    init(plan: WorkerPlan) { self.plan = plan }

    func start() {
        let configuration = plan.configuration
        let metrics = plan.metrics
        let accessLog = AccessLog(queue: queue, dropped: { metrics.recordAccessLogDroppedLines($0) })
        self.accessLog = accessLog
        let pool = PostgresPool(
            configuration: configuration.database,
            statements: LeadsApplication.preparedStatements(configuration: configuration.api),
            queue: queue
        )
        self.pool = pool
        pool.start()
        let application = LeadsApplication(configuration: configuration.api, pool: pool,
                                           encryptedNamesChecked: plan.encryptedNamesChecked)
        application.encryptedNames.onReport = EncryptedNamesCheck.log
        application.encryptedNames.check()
        var api: HTTPResponder = application
        if TestHooks.routesEnabled { api = TestHookResponder(wrapping: api, queue: queue) }
        let events = ServerEvents(
            requestCompleted: { record in
                metrics.recordRequest(route: record.route, status: record.status, durationMicroseconds: record.durationMicroseconds)
                accessLog.record(record)
            },
            connectionOpened: { metrics.connectionOpened() },
            connectionClosed: { metrics.connectionClosed() },
            handshakeFailed: { metrics.recordTLSHandshakeFailure() }
        )
        do {
            server = try HTTPServerBinding.makeServer(
                plan: plan, queue: queue, api: api, metrics: MetricsResponder(region: metrics.region), events: events
            )
        } catch {
            MasterLog.error("worker_start_failed", [("error", error.description)])
            _exit(1)
        }
        for number in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [unowned self] in self.drain() }
            source.resume()
            signalSources.append(source)
        }
        // The master reloads; a SIGHUP sent to the whole process group is not for us.
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
        hangup.setEventHandler {}
        hangup.resume()
        signalSources.append(hangup)
        watchMaster()
        publishPoolStats(pool)
        // Tell the master this worker accepts: during a reload the old workers drain only then.
        kill(plan.masterPID, MasterSignals.workerReady)
    }

    /// The master may die without a word (kill -9): a worker then drains and goes, rather
    /// than serving on unsupervised. (PR_SET_PDEATHSIG would need a C shim; a 1 s poll is enough.)
    private func watchMaster() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .seconds(1), repeating: .seconds(1), leeway: .milliseconds(200))
        let masterPID = plan.masterPID
        timer.setEventHandler { [unowned self] in
            if getppid() != masterPID { self.drain() }
        }
        timer.resume()
        masterWatch = timer
    }

    /// The pool's state into the metrics slot, once a second (and at the first tick).
    private func publishPoolStats(_ pool: PostgresPool) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: .seconds(1), leeway: .milliseconds(200))
        let metrics = plan.metrics
        timer.setEventHandler {
            if let sample = PoolStatsBinding.sample(pool) { metrics.recordDatabasePool(sample) }
        }
        timer.resume()
        poolStatsTimer = timer
    }

    /// Stops accepting, lets what is in flight finish within the shutdown timeout, exits 0.
    private func drain() {
        guard !draining else { return }
        draining = true
        let timeout = plan.configuration.shutdownTimeoutSeconds
        queue.asyncAfter(deadline: .now() + .seconds(timeout)) { [unowned self] in
            self.exit(reason: "shutdown timeout")
        }
        server?.beginDrain { [unowned self] in
            self.pool?.shutdown { [unowned self] in self.exit(reason: nil) }
        }
    }

    private func exit(reason: String?) {
        accessLog?.flush()
        if let reason {
            MasterLog.warning("worker_drain_cut", [("reason", reason)])
        }
        fflush(nil)
        _exit(0)
    }
}
