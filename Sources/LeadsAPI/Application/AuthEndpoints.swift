import HTTP

// SEAM between the application (routing, order of checks) and the auth helper's handlers.
//
/// The three auth endpoints. `LeadsApplication` routes to them:
/// - `POST {prefix}/api/v2/auth/token` → `issueToken` directly (no token involved): the
///   handler counts the request against both IP limits itself and answers everything,
///   429 included.
/// - `GET auth/me` and `DELETE auth/token` → only after the application has run
///   `AccessGate.admit` and answered 401 / 429 / 503 / 403 (crm_access) itself; the handler
///   gets the admitted user, and the application adds the rate-limit headers to its response.
/// Called on the worker's queue; `respond` exactly once, on that queue.
public protocol AuthEndpoints: AnyObject {
    func issueToken(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void)
    func me(_ request: HTTPRequest, user: AuthenticatedUser, respond: @escaping (HTTPResponse) -> Void)
    func revoke(_ request: HTTPRequest, user: AuthenticatedUser, respond: @escaping (HTTPResponse) -> Void)
}
