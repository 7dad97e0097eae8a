import Dispatch
import Foundation
import Postgres

/// Keeps `concurrency` batches in flight on a pool until stopped, recording every answer.
///
/// Each answered batch immediately sends the next one (after a short pause when it failed,
/// so an outage is not a busy loop). Sequence numbers are unique, so a write's key can be
/// its sequence number and checked in the table afterwards.
final class LoadDriver: @unchecked Sendable {
    // @unchecked Sendable: the mutable state below is only touched on `harness.queue`;
    // `outcomes` is Locked because the test thread reads it.
    struct Outcome: Sendable {
        let sequence: Int
        let result: Result<[QueryResult], PostgresError>
        let startedAt: Date
        let seconds: Double
    }

    private let harness: PoolHarness
    private let concurrency: Int
    private let makeBatch: @Sendable (Int) -> QueryBatch
    private var nextSequence = 0
    private var outstanding = 0
    private var stopping = false
    let outcomes = Locked<[Outcome]>([])

    init(harness: PoolHarness, concurrency: Int, makeBatch: @escaping @Sendable (Int) -> QueryBatch) {
        self.harness = harness
        self.concurrency = concurrency
        self.makeBatch = makeBatch
    }

    func start() {
        harness.queue.async { [self] in
            for _ in 0..<concurrency { issue() }
        }
    }

    private func issue() {
        guard !stopping else { return }
        let sequence = nextSequence
        nextSequence += 1
        outstanding += 1
        let started = Date()
        harness.pool.run(makeBatch(sequence)) { [self] result in
            outstanding -= 1
            outcomes.withValue {
                $0.append(Outcome(sequence: sequence, result: result, startedAt: started, seconds: Date().timeIntervalSince(started)))
            }
            if case .failure = result {
                harness.queue.asyncAfter(deadline: .now() + .milliseconds(5)) { [self] in issue() }
            } else {
                issue()
            }
        }
    }

    /// Stops sending and waits until every batch sent was answered; false on timeout (a hang).
    func stop(seconds: Double) -> Bool {
        harness.queue.sync { stopping = true }
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if harness.queue.sync(execute: { outstanding }) == 0 { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    func waitForSuccesses(_ count: Int, seconds: Double) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if successes.count >= count { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    var successes: [Outcome] { outcomes.current.filter { $0.result.error == nil } }
    var failures: [Outcome] { outcomes.current.filter { $0.result.error != nil } }
}
