import HTTP
import Postgres

/// `AccessGate` on PostgreSQL: authentication and the rate-limit count in one statement.
///
/// A bearer token costs one prepared statement (`AccessStatements`: find the token, touch
/// `last_used_at` at most once a minute, upsert the counter of the token or, when it does not
/// authenticate, of the client address); no token costs one upsert (`countGuest`). Swift
/// re-checks the returned hash in constant time before admitting. The counters live in
/// `leadsd_rate_limits` (sql/020), fixed 60 s windows on the database clock, so every worker on
/// every host counts in the same row and exactly `limit` requests get through.
///
/// Wiring: the pool prepares `DatabaseAccessGate.preparedStatements` (gate, rate limits and
/// the auth endpoints), and the application is given
/// `DatabaseAccessGate(configuration:pool:)` and `AuthEndpointHandlers(configuration:pool:)`.
///
/// Confined to the worker's queue like the pool it uses: `admit` and `countGuest` are called
/// there and complete there.
///
/// On its first request the gate starts the worker's `RateLimitJanitor`, so old windows are
/// removed in the background with no extra wiring (and only by workers that count).
public final class DatabaseAccessGate: AccessGate {
    public let configuration: APIConfiguration
    private let runner: StatementRunner
    private var janitor: RateLimitJanitor?

    public convenience init(configuration: APIConfiguration, pool: PostgresPool) {
        self.init(configuration: configuration, runner: pool)
    }

    public init(configuration: APIConfiguration, runner: StatementRunner) {
        self.configuration = configuration
        self.runner = runner
    }

    /// Every statement of authentication, rate limiting and the auth endpoints; the pool must
    /// prepare them (add them to `LeadsApplication.preparedStatements`).
    public static let preparedStatements: [PreparedStatement] =
        AccessStatements.all + RateLimitStatements.all + AuthEndpointStatements.all

    public func admit(_ request: HTTPRequest, completion: @escaping (GateOutcome) -> Void) {
        admit(request, along: nil) { outcome, _ in completion(outcome) }
    }

    /// One round trip for the gate and the read: two segments in one flush. A request with no
    /// usable token is only counted against its address; its read is not sent at all.
    public func admit(_ request: HTTPRequest, along read: QueryBatch?,
                      completion: @escaping (GateOutcome, Result<[QueryResult], PostgresError>?) -> Void) {
        guard let (query, presentedHash) = authentication(of: request) else {
            countGuest(request) { completion($0, nil) }
            return
        }
        let configuration = self.configuration
        let gate = QueryBatch([query], isReadOnly: false, awaitsDurableCommit: false)
        runner.run(together: [gate] + (read.map { [$0] } ?? [])) { results in
            let outcome = Self.outcome(of: results[0], presentedHash: presentedHash, configuration: configuration)
            guard case .admitted = outcome, results.count == 2 else {
                completion(outcome, nil)
                return
            }
            completion(outcome, results[1])
        }
    }

    /// The gate statement for the request's bearer token and the hash it must match, or nil
    /// when there is no token that could authenticate.
    private func authentication(of request: HTTPRequest) -> (Query, String)? {
        startJanitorOnce()
        guard let presented = BearerToken.extract(from: request.headers),
              let parsed = SanctumToken.parse(presented) else {
            return nil
        }
        let common: [PostgresParameter] = [
            configuration.userModel,
            configuration.tokenExpirationMinutes.map { String($0) },
            RateLimitKey.guest(request.clientAddress),
        ]
        let presentedHash: String
        let query: Query
        switch parsed {
        case .withID(let id, let secret):
            presentedHash = SanctumToken.hash(secret: String(secret))
            query = Query(AccessStatements.authenticateByID, common + [presentedHash, String(id)])
        case .bare(let whole):
            presentedHash = SHA256.hex(whole.utf8)
            query = Query(AccessStatements.authenticateByHash, common + [presentedHash])
        }
        return (query, presentedHash)
    }

    public func countGuest(_ request: HTTPRequest, completion: @escaping (GateOutcome) -> Void) {
        startJanitorOnce()
        let query = Query(RateLimitStatements.countGuest, [RateLimitKey.guest(request.clientAddress)])
        let limit = configuration.guestRateLimit
        runner.run(QueryBatch([query], isReadOnly: false, awaitsDurableCommit: false)) { result in
            guard case .success(let results) = result, let first = results.first, let row = first.rows.first,
                  let window = RateLimitWindow(row: row, in: first) else {
                completion(.unavailable)
                return
            }
            completion(.unauthenticated(window.status(limit: limit)))
        }
    }

    private func startJanitorOnce() {
        guard janitor == nil else { return }
        let janitor = RateLimitJanitor(runner: runner)
        janitor.start()
        self.janitor = janitor
    }

    static func outcome(
        of result: Result<[QueryResult], PostgresError>, presentedHash: String, configuration: APIConfiguration
    ) -> GateOutcome {
        guard case .success(let results) = result, let first = results.first, let row = first.rows.first,
              let window = RateLimitWindow(row: row, in: first) else {
            return .unavailable
        }
        guard let stored = first.cell(row, "token_hash")?.bytes,
              ConstantTime.equals(stored, presentedHash.utf8),
              let tokenID = first.cell(row, "token_id")?.int,
              let userID = first.cell(row, "user_id")?.int else {
            return .unauthenticated(window.status(limit: configuration.guestRateLimit))
        }
        let user = AuthenticatedUser(
            userID: Int64(userID),
            name: first.cell(row, "name")?.string ?? "",
            email: first.cell(row, "email")?.string ?? "",
            crmAccess: first.cell(row, "crm_access")?.bool ?? false,
            tokenID: Int64(tokenID),
            abilities: TokenAbilities.parse(first.cell(row, "abilities")?.string)
        )
        let status = window.status(limit: configuration.rateLimit)
        return status.exceeded ? .limited(status) : .admitted(user, status)
    }
}

extension QueryResult {
    /// The cell of `row` in the column `name`, or nil when the result has no such column.
    func cell(_ row: [PostgresCell], _ name: String) -> PostgresCell? {
        column(named: name).map { row[$0] }
    }
}
