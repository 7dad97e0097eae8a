import Dispatch

/// One caller's batch from `PostgresPool.run` until its completion has been called, exactly once.
///
/// A reference type because the same request moves from the pending queue to a connection's
/// pipeline (and, for a retried read, to another connection) while its deadline timer and
/// its caller must see one shared "already answered" flag.
final class BatchRequest {
    typealias Completion = (Result<[QueryResult], PostgresError>) -> Void

    let batch: QueryBatch
    /// Uptime in nanoseconds after which the caller is answered with `.timeout`.
    let deadline: UInt64
    /// A read is retried at most once after its connection broke.
    var retried = false
    /// Batches that go out right behind this one, on the same connection and in the same
    /// flush (`PostgresPool.run(together:)`); emptied once sent, so a retry sends only this.
    var followers: [BatchRequest] = []
    private var completion: Completion?

    init(batch: QueryBatch, deadline: UInt64, completion: @escaping Completion) {
        self.batch = batch
        self.deadline = deadline
        self.completion = completion
    }

    var isFinished: Bool { completion == nil }

    /// Whether this batch or one travelling with it waits for a WAL flush at its commit.
    var awaitsDurableCommit: Bool {
        batch.awaitsDurableCommit || followers.contains { $0.batch.awaitsDurableCommit }
    }

    /// Calls the completion unless it was already called (a timeout answered it first).
    /// Returns whether this call answered the caller.
    @discardableResult
    func finish(_ result: Result<[QueryResult], PostgresError>) -> Bool {
        guard let completion else { return false }
        self.completion = nil
        completion(result)
        return true
    }
}

/// Monotonic clock in nanoseconds, for deadlines.
func uptimeNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
