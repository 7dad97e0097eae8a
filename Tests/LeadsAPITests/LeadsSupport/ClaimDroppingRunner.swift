import Dispatch
@testable import LeadsAPI
import Postgres

/// Runs batches on the real pool, but leaves out the first batch of a `run(together:)` group
/// (the number claim) while `drops` is above zero, answering it with a server error.
final class ClaimDroppingRunner: StatementRunner, @unchecked Sendable {
    // @unchecked Sendable: its counters are touched on the pool's queue only.
    private let pool: PostgresPool
    var drops = 0
    private(set) var dropped = 0

    init(_ pool: PostgresPool) { self.pool = pool }

    var queue: DispatchQueue { pool.queue }

    func run(_ batch: QueryBatch, completion: @escaping (Result<[QueryResult], PostgresError>) -> Void) {
        pool.run(batch, completion: completion)
    }

    func run(together batches: [QueryBatch], completion: @escaping ([Result<[QueryResult], PostgresError>]) -> Void) {
        guard drops > 0, batches.count > 1 else { pool.run(together: batches, completion: completion); return }
        drops -= 1
        dropped += 1
        pool.run(together: Array(batches.dropFirst())) { results in
            completion([.failure(PostgresError(kind: .server, message: "claim lost on purpose"))] + results)
        }
    }
}
