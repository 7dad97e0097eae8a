#if canImport(Glibc)
import Glibc
#endif
import Metrics
import TLS

/// The master process: single-threaded for its whole life. It owns the listening sockets,
/// the TLS context and the metrics region, forks the workers, and afterwards only waits for
/// signals and children. No Dispatch, no Task, no Foundation here: see design.md.
final class Master {
    private var configuration: ServeConfiguration
    private let arguments: [String]
    private var sockets: ListenSockets
    private var tls: LoadedTLSContext?
    private var ticketKeys: TicketKeyRotation
    /// The configuration's encrypted-names check passed here, so workers need not run it.
    private var encryptedNamesChecked: Bool
    private let region: MetricsRegion
    private let notifier: SystemdNotifier?
    private let masterPID = getpid()

    private var workers: [pid_t: WorkerRecord] = [:]
    private var freeSlots: [Int]
    private var generation = 1
    private var backoff = RespawnBackoff()

    private enum Phase {
        case starting
        case running
        /// New workers are starting; old ones drain once these are ready (or at `giveUpAt`).
        case reloading(giveUpAt: UInt64)
        case stopping(killAt: UInt64)
    }
    private var phase = Phase.starting
    private var startupGiveUpAt: UInt64 = 0
    /// The first workers did not start within the start-up wait (see `advance`).
    private var startStalled = false
    private var reloadRequested = false
    private var nextWatchdog: UInt64 = 0

    static func run(configuration: ServeConfiguration, arguments: [String]) -> Never {
        // First thing: from here on every signal the master handles waits for `sigtimedwait`,
        // and every child inherits the mask (workers keep it: Dispatch reads them via signalfd).
        MasterSignals.blockHandled()
        // A parent may have left SIGCHLD ignored (children then reap themselves and the master
        // never learns a worker died) or SIGHUP ignored (nohup): take the defaults back.
        for number in MasterSignals.handled { signal(number, SIG_DFL) }
        signal(SIGPIPE, SIG_IGN)
        let master: Master
        do {
            master = try Master(configuration: configuration, arguments: arguments)
        } catch let error as ConfigurationError {
            ServeCommand.fail(error.description)
        } catch {
            ServeCommand.fail("\(error)")
        }
        master.loop()
    }

    private init(configuration: ServeConfiguration, arguments: [String]) throws {
        self.configuration = configuration
        self.arguments = arguments
        notifier = SystemdNotifier()
        sockets = try ListenSockets.open(configuration)
        // One ring for the master's whole life, mapped before the first fork, so that every
        // generation of workers seals and opens tickets with the same keys.
        let ring = try TicketKeyRing()
        ticketKeys = TicketKeyRotation(ring: ring, now: Clock.monotonicNanoseconds())
        tls = try configuration.tls.map { try LoadedTLSContext.load($0, ticketKeys: ring) }
        try ticketKeys.adopt(tls, now: Clock.monotonicNanoseconds())
        encryptedNamesChecked = try EncryptedNamesCheck.atStart(configuration)
        // Room for three generations at once (two reloads in flight) and for a reload that
        // raises --workers; slots are reused as workers exit. 64 slots are under 2 MiB.
        let slots = max(configuration.workers * 3, 64)
        region = try MetricsRegion(slots: slots)
        freeSlots = Array((0..<slots).reversed())
        var fields: [(String, String)] = [("workers", String(configuration.workers)), ("tls", tls == nil ? "off" : "on")]
        if let port = sockets.api.first.flatMap(ListenSockets.port(of:)) { fields.append(("port", String(port))) }
        if let port = sockets.metrics.flatMap(ListenSockets.port(of:)) { fields.append(("metrics_port", String(port))) }
        MasterLog.info("master_started", fields)
    }

    // MARK: the loop

    private func loop() -> Never {
        let now = Clock.monotonicNanoseconds()
        startupGiveUpAt = now + (TestHooks.startupWaitNanoseconds ?? 60_000_000_000)
        nextWatchdog = now
        while true {
            reapChildren()
            advance()
            let timeout = nextWakeUp()
            if let info = MasterSignals.wait(timeout: timeout) { handle(info) }
        }
    }

    private func handle(_ info: siginfo_t) {
        switch info.si_signo {
        case SIGTERM, SIGINT:
            beginStop(reason: info.si_signo == SIGTERM ? "SIGTERM" : "SIGINT")
        case SIGHUP:
            reloadRequested = true
        case SIGCHLD:
            break  // reaped at the top of the loop
        case MasterSignals.workerReady:
            let pid = info._sifields._kill.si_pid
            if var record = workers[pid], record.state == .starting {
                record.state = .ready
                workers[pid] = record
            }
        default:
            break
        }
    }

    /// Moves every state machine forward; called after each wake-up.
    private func advance() {
        let now = Clock.monotonicNanoseconds()
        if let notifier, let interval = notifier.watchdogInterval, now >= nextWatchdog {
            notifier.notify("WATCHDOG=1")
            nextWatchdog = now + interval
        }
        killOverdueDrains(now: now)
        ticketKeys.rotateIfDue(tls, now: now)
        switch phase {
        case .starting:
            startMissingWorkers(now: now)
            let current = currentWorkers()
            let readyCount = current.filter { $0.state == .ready }.count
            if readyCount == configuration.workers || (now >= startupGiveUpAt && readyCount > 0) {
                phase = .running
                startStalled = false
                notifier?.notify("READY=1\nSTATUS=serving with \(readyCount) workers\nMAINPID=\(masterPID)")
                MasterLog.info("ready", [("workers", String(readyCount))])
            } else if now >= startupGiveUpAt {
                // Not one worker accepts (each dies as it starts): READY=1 would tell systemd
                // that a daemon serving nothing has started. Keep trying, with backoff, and say so.
                startStalled = true
                startupGiveUpAt = now + 30_000_000_000
                notifier?.notify("STATUS=no worker has started; retrying")
                MasterLog.error("start_stalled", [("workers", String(configuration.workers)), ("restarts", String(region.workerRestarts))])
            }
            // A reload waits for the start, unless the start stalled: then it may bring the fix.
            var started = false
            if case .running = phase { started = true }
            if reloadRequested, started || startStalled { beginReload(now: now) }
        case .running:
            startMissingWorkers(now: now)
            if reloadRequested { beginReload(now: now) }
        case .reloading(let giveUpAt):
            startMissingWorkers(now: now)
            let current = currentWorkers()
            let readyCount = current.filter { $0.state == .ready }.count
            let allReady = current.count == configuration.workers && readyCount == configuration.workers
            if allReady || (now >= giveUpAt && readyCount > 0) {
                if !allReady { MasterLog.warning("reload_workers_not_ready", [("generation", String(generation))]) }
                drainOldGenerations(now: now)
                region.recordReload()
                phase = .running
                // A start that stalled becomes ready here: systemd learns the main pid now.
                notifier?.notify("READY=1\nSTATUS=serving with \(configuration.workers) workers" + (startStalled ? "\nMAINPID=\(masterPID)" : ""))
                startStalled = false
                MasterLog.info("reloaded", [("generation", String(generation))])
            } else if now >= giveUpAt {
                // Not one new worker accepts (they crash at start?): the old ones keep serving
                // until a later SIGHUP brings a configuration that works.
                MasterLog.error("reload_stalled", [("generation", String(generation))])
                phase = .reloading(giveUpAt: now + 30_000_000_000)
            }
            if reloadRequested { beginReload(now: now) }
        case .stopping(let killAt):
            if workers.isEmpty {
                MasterLog.info("stopped")
                fflush(nil)
                exit(0)
            }
            if now >= killAt {
                MasterLog.warning("stop_timeout", [("killed", String(workers.count))])
                for pid in workers.keys { kill(pid, SIGKILL) }
                // Once is enough; the next look is in a while, not in a tight loop.
                phase = .stopping(killAt: now + 5_000_000_000)
            }
        }
        region.setLiveWorkers(workers.count)
    }

    private func nextWakeUp() -> UInt64 {
        let now = Clock.monotonicNanoseconds()
        var deadlines: [UInt64] = [now + 5_000_000_000]
        if notifier?.watchdogInterval != nil { deadlines.append(nextWatchdog) }
        if let rotation = ticketKeys.deadline(tls) { deadlines.append(rotation) }
        var stopping = false
        if case .stopping = phase { stopping = true }
        if !stopping, currentWorkers().count < configuration.workers { deadlines.append(backoff.notBefore) }
        for record in workers.values { if let killAt = record.killAt { deadlines.append(killAt) } }
        switch phase {
        case .starting: deadlines.append(startupGiveUpAt)
        case .reloading(let giveUpAt): deadlines.append(giveUpAt)
        case .stopping(let killAt): deadlines.append(killAt)
        case .running: break
        }
        let next = deadlines.min() ?? now
        // At least 1 ms: a deadline in the past must not turn the loop into a spin.
        return max(next > now ? next - now : 0, 1_000_000)
    }

    private func currentWorkers() -> [WorkerRecord] {
        workers.values.filter { $0.generation == generation && $0.state != .draining }
    }

    // MARK: workers

    private func startMissingWorkers(now: UInt64) {
        while currentWorkers().count < configuration.workers, backoff.mayStart(now: now) {
            guard let slot = freeSlots.popLast() else {
                MasterLog.warning("no_metrics_slot", [("live_workers", String(workers.count))])
                return
            }
            guard let pid = fork(slot: slot) else {
                freeSlots.append(slot)
                backoff.workerDied(startedAt: now, now: now)
                return
            }
            workers[pid] = WorkerRecord(pid: pid, slot: slot, generation: generation, startedAt: now, state: .starting)
        }
    }

    private func fork(slot: Int) -> pid_t? {
        ThreadCount.reportBeforeFork()
        fflush(nil)  // or every child writes the parent's buffered output again
        let plan = WorkerPlan(
            configuration: configuration, sockets: sockets, tls: tls, metrics: region.slot(slot),
            generation: generation, masterPID: masterPID, encryptedNamesChecked: encryptedNamesChecked
        )
        let pid = Glibc.fork()
        if pid == 0 { WorkerProcess.run(plan) }
        if pid < 0 {
            MasterLog.error("fork_failed", [("error", String(cString: strerror(errno)))])
            return nil
        }
        MasterLog.info("worker_started", [("worker_pid", String(pid)), ("slot", String(slot)), ("generation", String(generation))])
        return pid
    }

    private func reapChildren() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            guard let record = workers.removeValue(forKey: pid) else { continue }
            region.resetGauges(slot: record.slot)
            freeSlots.append(record.slot)
            let exited = (status & 0x7F) == 0
            let how = exited ? "exit \((status >> 8) & 0xFF)" : "signal \(status & 0x7F)"
            if record.state == .draining {
                MasterLog.info("worker_drained", [("worker_pid", String(pid)), ("status", how)])
                continue
            }
            if case .stopping = phase {
                MasterLog.info("worker_stopped", [("worker_pid", String(pid)), ("status", how)])
                continue
            }
            let now = Clock.monotonicNanoseconds()
            if record.generation == generation {
                let delay = backoff.workerDied(startedAt: record.startedAt, now: now)
                region.recordWorkerRestart()
                MasterLog.warning("worker_died", [("worker_pid", String(pid)), ("status", how), ("respawn_in_ms", String(delay / 1_000_000))])
            } else {
                MasterLog.warning("old_worker_died", [("worker_pid", String(pid)), ("status", how)])
            }
        }
    }

    private func killOverdueDrains(now: UInt64) {
        for (pid, record) in workers {
            if let killAt = record.killAt, now >= killAt {
                MasterLog.warning("worker_drain_overdue", [("worker_pid", String(pid))])
                kill(pid, SIGKILL)
                workers[pid]?.killAt = nil
            }
        }
    }

    /// SIGTERM to a worker: it closes its listeners, finishes what it has, and exits. The
    /// master kills it if it is still there a little after the shutdown timeout.
    private func drain(_ pid: pid_t, now: UInt64) {
        guard var record = workers[pid], record.state != .draining else { return }
        record.state = .draining
        record.killAt = now + UInt64(configuration.shutdownTimeoutSeconds) * 1_000_000_000 + 2_000_000_000
        workers[pid] = record
        kill(pid, SIGTERM)
    }

    private func drainOldGenerations(now: UInt64) {
        for record in workers.values where record.generation != generation { drain(record.pid, now: now) }
    }

    // MARK: stop and reload

    private func beginStop(reason: String) {
        if case .stopping = phase { return }
        let now = Clock.monotonicNanoseconds()
        notifier?.notify("STOPPING=1")
        MasterLog.info("stopping", [("reason", reason), ("workers", String(workers.count))])
        // The kernel keeps a listening socket open while any process holds it: the workers
        // close theirs as they drain, the master closes its copies now.
        sockets.closeAll()
        for pid in Array(workers.keys) { drain(pid, now: now) }
        phase = .stopping(killAt: now + UInt64(configuration.shutdownTimeoutSeconds) * 1_000_000_000 + 3_000_000_000)
    }

    /// After RELOADING=1 systemd waits for READY=1 again; a master whose start stalled has
    /// not been ready yet and must not say so now.
    private func notifyReloadFailed() {
        guard !startStalled else { return }
        notifier?.notify("READY=1\nSTATUS=reload failed, still serving the previous configuration")
    }

    /// Re-reads the configuration and the certificate files, then starts a new generation of
    /// workers; the old ones drain once the new ones accept. The listening sockets stay open
    /// the whole time, so no connection is refused.
    private func beginReload(now: UInt64) {
        reloadRequested = false
        // A reload of a start that stalled (see `advance`) was never READY: no RELOADING either.
        if !startStalled { notifier?.reloading() }
        MasterLog.info("reloading", [("generation", String(generation + 1))])
        let fresh: ServeConfiguration
        let freshTLS: LoadedTLSContext?
        let freshNamesChecked: Bool
        do {
            fresh = try ServeConfiguration.load(arguments: arguments)
            freshTLS = try fresh.tls.map { try LoadedTLSContext.load($0, ticketKeys: ticketKeys.ring) }
            freshNamesChecked = try EncryptedNamesCheck.atStart(fresh)
        } catch {
            let message = (error as? ConfigurationError)?.description ?? "\(error)"
            MasterLog.error("reload_failed", [("error", message)])
            notifyReloadFailed()
            return
        }
        if freeSlots.count < fresh.workers {
            MasterLog.error("reload_failed", [("error", "not enough metrics slots for \(fresh.workers) more workers (previous ones still draining, or --workers raised past a third of the slots); try again later or restart")])
            notifyReloadFailed()
            return
        }
        do {
            let (next, retired) = try sockets.rebound(from: configuration, to: fresh)
            if next.api != sockets.api || next.metrics != sockets.metrics {
                var fields: [(String, String)] = []
                if let port = next.api.first.flatMap(ListenSockets.port(of:)) { fields.append(("port", String(port))) }
                if let port = next.metrics.flatMap(ListenSockets.port(of:)) { fields.append(("metrics_port", String(port))) }
                MasterLog.info("listen_changed", fields)
            }
            sockets = next
            // Closed here, before the new workers are forked: a child inherits every open
            // descriptor, and one that holds a socket it never accepts on keeps that port in
            // LISTEN, filling a backlog nobody takes from. The old workers have their own copies
            // and close them as they drain; then the kernel closes the socket.
            for fd in retired { close(fd) }
        } catch {
            MasterLog.error("reload_failed", [("error", error.description)])
            notifyReloadFailed()
            return
        }
        configuration = fresh
        tls = freshTLS
        encryptedNamesChecked = freshNamesChecked
        do { try ticketKeys.adopt(tls, now: now) } catch {
            MasterLog.error("ticket_keys_not_renewed", [("error", "\(error)")])
        }
        generation += 1
        backoff = RespawnBackoff()
        phase = .reloading(giveUpAt: now + 30_000_000_000)
        startMissingWorkers(now: now)
    }
}

/// What a new worker receives from the master through fork.
struct WorkerPlan {
    let configuration: ServeConfiguration
    let sockets: ListenSockets
    let tls: LoadedTLSContext?
    let metrics: WorkerMetrics
    let generation: Int
    let masterPID: pid_t
    let encryptedNamesChecked: Bool
}
