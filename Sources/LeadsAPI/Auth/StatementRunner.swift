import Dispatch
import Postgres

/// What the access gate and the auth endpoints need of the data layer: run a batch, and the
/// worker queue on which completions arrive. `PostgresPool` is the production conformer; the
/// protocol exists so the same code also runs over other real connections in tests.
public protocol StatementRunner: AnyObject {
    var queue: DispatchQueue { get }
    func run(_ batch: QueryBatch, completion: @escaping (Result<[QueryResult], PostgresError>) -> Void)
}

extension PostgresPool: StatementRunner {}
