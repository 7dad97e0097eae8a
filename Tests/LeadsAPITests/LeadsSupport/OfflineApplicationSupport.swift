import Dispatch
@testable import LeadsAPI
import Postgres

/// For tests that never reach the database: a pool that is never started.
enum PostgresPoolStub {
    static func make() -> PostgresPool {
        PostgresPool(configuration: PostgresConfiguration(connectionString: "postgresql://unused@127.0.0.1:1/none"),
                     statements: [], queue: DispatchQueue(label: "leads-tests.unused"))
    }
}

/// A runner that fails every batch as an unreachable database would.
final class FailingRunner: StatementRunner {
    let queue = DispatchQueue(label: "leads-tests.failing")
    func run(_ batch: QueryBatch, completion: @escaping (Result<[QueryResult], PostgresError>) -> Void) {
        completion(.failure(PostgresError(kind: .unavailable, message: "offline")))
    }
}
