import Dispatch
import Postgres

/// Removes old windows from `leadsd_rate_limits` in the background, off the request path.
///
/// Each worker runs one; the DELETE is idempotent and cheap, so several workers (and hosts)
/// running it is harmless. The first run is delayed by a random part of a minute so the
/// workers of a host do not all run it at the same moment.
public final class RateLimitJanitor {
    private let runner: StatementRunner
    private var timer: DispatchSourceTimer?

    public init(runner: StatementRunner) {
        self.runner = runner
    }

    /// Call on the runner's queue.
    public func start(interval: DispatchTimeInterval = .seconds(60)) {
        guard timer == nil else { return }
        let timer = DispatchSource.makeTimerSource(queue: runner.queue)
        let firstDelay = DispatchTimeInterval.milliseconds(Int.random(in: 1_000...60_000))
        timer.schedule(deadline: .now() + firstDelay, repeating: interval, leeway: .seconds(5))
        timer.setEventHandler { [weak self] in self?.sweep() }
        timer.resume()
        self.timer = timer
    }

    public func stop() {
        timer?.cancel()
        timer = nil
    }

    /// One cleanup; a failure is ignored (the next minute tries again, and stale rows only
    /// cost space, never correctness: the current window's key differs from theirs).
    public func sweep(completion: ((Result<Int, PostgresError>) -> Void)? = nil) {
        runner.run(QueryBatch([Query(RateLimitStatements.deleteOldWindows)], isReadOnly: false)) { result in
            completion?(result.map { $0.first?.affectedRows ?? 0 })
        }
    }

    deinit { timer?.cancel() }
}
