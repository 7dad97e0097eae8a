import HTTP
import Postgres

// INTERFACE CONTRACT: the leads helper implements the body; the worker composes it.
/// The HTTP responder of the whole API: routing, order of checks, handlers.
/// Lives on the worker's queue, like the pool it uses.
public final class LeadsApplication: HTTPResponder {
    public let configuration: APIConfiguration
    public let pool: PostgresPool

    public init(configuration: APIConfiguration, pool: PostgresPool) {
        self.configuration = configuration
        self.pool = pool
    }

    /// Every statement the API runs; each pool connection prepares them all.
    public static func preparedStatements(configuration: APIConfiguration) -> [PreparedStatement] { [] }

    public var isReady: Bool { pool.isReady }

    public func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
        respond(.message(500, "Server Error."))
    }
}
