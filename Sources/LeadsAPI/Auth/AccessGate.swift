import HTTP
import Postgres

// INTERFACE CONTRACT between the lead handlers (Leads/, Application/) and the
// authentication + rate-limit layer (Auth/, RateLimit/). The auth issue implements it.

/// What a lead or auth handler may do; a token's `abilities` list names these.
public enum Ability: String, Sendable, CaseIterable {
    case view = "view crm leads"
    case create = "create crm leads"
    case edit = "edit crm leads"
    case delete = "delete crm leads"
}

/// The user and token behind a request that authenticated.
public struct AuthenticatedUser: Sendable {
    public var userID: Int64
    public var name: String
    public var email: String
    public var crmAccess: Bool
    public var tokenID: Int64
    /// nil means every ability (`["*"]` or a null column).
    public var abilities: Set<String>?

    public init(userID: Int64, name: String, email: String, crmAccess: Bool, tokenID: Int64, abilities: Set<String>?) {
        self.userID = userID
        self.name = name
        self.email = email
        self.crmAccess = crmAccess
        self.tokenID = tokenID
        self.abilities = abilities
    }

    public func may(_ ability: Ability) -> Bool {
        guard let abilities else { return true }
        return abilities.contains("*") || abilities.contains(ability.rawValue)
    }
}

/// The counter of the window this request was counted in.
public struct RateLimitStatus: Sendable, Equatable {
    public var limit: Int
    public var remaining: Int
    /// Unix time (seconds) at which the window ends.
    public var resetAt: Int
    /// Seconds from now to the window's end (for `Retry-After`).
    public var retryAfter: Int
    public var exceeded: Bool

    public init(limit: Int, remaining: Int, resetAt: Int, retryAfter: Int, exceeded: Bool) {
        self.limit = limit
        self.remaining = remaining
        self.resetAt = resetAt
        self.retryAfter = retryAfter
        self.exceeded = exceeded
    }

    /// Adds `X-RateLimit-Limit`/`-Remaining`, and on a refusal `Retry-After`/`X-RateLimit-Reset`.
    public func apply(to response: inout HTTPResponse) {
        response.headers.set("X-RateLimit-Limit", String(limit))
        response.headers.set("X-RateLimit-Remaining", String(exceeded ? 0 : remaining))
        if exceeded {
            response.headers.set("Retry-After", String(retryAfter))
            response.headers.set("X-RateLimit-Reset", String(resetAt))
        }
    }
}

/// The outcome of authenticating and counting one request (ideally one database statement).
public enum GateOutcome: Sendable {
    /// Valid token, counted against it, within the limit. crm_access is NOT checked here:
    /// the handler answers 403 for it, after the rate limit, as the contract orders.
    case admitted(AuthenticatedUser, RateLimitStatus)
    /// No token or an invalid one: counted against the client IP. The caller answers 401
    /// (or 429 when `status.exceeded`) with these headers.
    case unauthenticated(RateLimitStatus)
    /// Valid token but over its limit: 429.
    case limited(RateLimitStatus)
    /// The database could not answer: 503 with Retry-After.
    case unavailable
}

/// Authenticates a request's bearer token and counts it against the right limit.
/// Called and completing on the worker's queue.
public protocol AccessGate: AnyObject {
    /// For routes that need a token (every lead route, auth/me, DELETE auth/token).
    func admit(_ request: HTTPRequest, completion: @escaping (GateOutcome) -> Void)
    /// For requests that are counted against the client IP only (unknown routes, 405s).
    func countGuest(_ request: HTTPRequest, completion: @escaping (GateOutcome) -> Void)
    /// `admit`, and the request's read (if any) in the same round trip: the read is sent right
    /// behind the gate's statement, as its own transaction, before the outcome is known. Its
    /// result is handed over only with `.admitted`, and is nil otherwise, or when this gate
    /// did not run it (the caller then runs it itself). The read must not depend on who the
    /// user is.
    func admit(_ request: HTTPRequest, along read: QueryBatch?,
               completion: @escaping (GateOutcome, Result<[QueryResult], PostgresError>?) -> Void)
}

extension AccessGate {
    /// Gates that cannot share a round trip: admit first; the caller runs the read.
    public func admit(_ request: HTTPRequest, along read: QueryBatch?,
                      completion: @escaping (GateOutcome, Result<[QueryResult], PostgresError>?) -> Void) {
        admit(request) { completion($0, nil) }
    }
}
