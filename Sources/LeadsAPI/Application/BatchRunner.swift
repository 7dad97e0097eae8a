import Postgres

/// What the handlers need of the data layer: run one batch (one implicit transaction) and
/// call back on the worker's queue. `PostgresPool` is the one real implementation.
protocol BatchRunner: AnyObject {
    func run(_ batch: QueryBatch, completion: @escaping (Result<[QueryResult], PostgresError>) -> Void)
}

extension PostgresPool: BatchRunner {}
