import HTTP
@testable import LeadsAPI

/// A test double of authentication only (the database behind the handlers is real): bearer
/// tokens map to fixed users. The auth layer's DatabaseAccessGate is tested on its own.
final class LeadsTestGate: AccessGate {
    var users: [String: AuthenticatedUser] = [:]
    /// Tokens that are valid but over their limit.
    var limitedTokens: Set<String> = []
    private(set) var guestCount = 0

    static let status = RateLimitStatus(limit: 60, remaining: 59, resetAt: 2_000_000_000, retryAfter: 30, exceeded: false)

    func admit(_ request: HTTPRequest, completion: @escaping (GateOutcome) -> Void) {
        guard let header = request.headers["Authorization"], header.hasPrefix("Bearer ") else {
            completion(.unauthenticated(Self.status))
            return
        }
        let token = String(header.dropFirst(7))
        if limitedTokens.contains(token) {
            completion(.limited(RateLimitStatus(limit: 60, remaining: 0, resetAt: 2_000_000_000, retryAfter: 30, exceeded: true)))
        } else if let user = users[token] {
            completion(.admitted(user, Self.status))
        } else {
            completion(.unauthenticated(Self.status))
        }
    }

    func countGuest(_ request: HTTPRequest, completion: @escaping (GateOutcome) -> Void) {
        guestCount += 1
        completion(.unauthenticated(Self.status))
    }
}
