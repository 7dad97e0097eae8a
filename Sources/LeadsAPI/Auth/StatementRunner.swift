import Dispatch
import Postgres

/// What the access gate and the auth endpoints need of the data layer: run a batch, and the
/// worker queue on which completions arrive. `PostgresPool` is the production conformer; the
/// protocol exists so the same code also runs over other real connections in tests.
public protocol StatementRunner: AnyObject {
    var queue: DispatchQueue { get }
    func run(_ batch: QueryBatch, completion: @escaping (Result<[QueryResult], PostgresError>) -> Void)
    /// Runs the batches in order, each its own transaction, and answers with one result per
    /// batch. The pool sends them in one flush (one round trip); the default runs them one
    /// after the other.
    func run(together batches: [QueryBatch], completion: @escaping ([Result<[QueryResult], PostgresError>]) -> Void)
}

extension StatementRunner {
    public func run(together batches: [QueryBatch], completion: @escaping ([Result<[QueryResult], PostgresError>]) -> Void) {
        var results: [Result<[QueryResult], PostgresError>] = []
        func next() {
            guard results.count < batches.count else { completion(results); return }
            run(batches[results.count]) { result in
                results.append(result)
                next()
            }
        }
        next()
    }
}

extension PostgresPool: StatementRunner {}
