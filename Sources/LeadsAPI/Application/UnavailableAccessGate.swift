import HTTP

/// The gate used until the auth layer's `DatabaseAccessGate` is wired in: it admits nobody
/// and answers 503, so an unfinished build can never serve leads without authentication.
final class UnavailableAccessGate: AccessGate {
    func admit(_ request: HTTPRequest, completion: @escaping (GateOutcome) -> Void) { completion(.unavailable) }
    func countGuest(_ request: HTTPRequest, completion: @escaping (GateOutcome) -> Void) { completion(.unavailable) }
}
