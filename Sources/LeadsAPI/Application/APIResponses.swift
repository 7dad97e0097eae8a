import HTTP
import Postgres

/// The contract's error bodies (§8) and how data-layer failures map onto them.
enum APIResponses {
    static let retryAfterSeconds = 1

    static func unauthenticated() -> HTTPResponse { .message(401, "Unauthenticated.") }
    static func unauthorized() -> HTTPResponse { .message(403, "This action is unauthorized.") }
    static func leadNotFound() -> HTTPResponse { .message(404, "Lead not found.") }
    static func tooManyAttempts() -> HTTPResponse { .message(429, "Too Many Attempts.") }
    static func serverError() -> HTTPResponse { .message(500, "Server Error.") }

    static func unavailable() -> HTTPResponse {
        var response = HTTPResponse.message(503, "Service Unavailable.")
        response.headers.set("Retry-After", String(retryAfterSeconds))
        return response
    }

    static func validation(_ errors: ValidationErrors) -> HTTPResponse { .json(422, errors.envelope()) }

    static func body(_ failure: RequestBody.Failure) -> HTTPResponse {
        switch failure {
        case .tooLarge: return .message(413, "Payload Too Large.")
        case .unsupportedMediaType: return .message(415, "Unsupported Media Type.")
        case .malformed: return .message(400, "Malformed JSON body.")
        }
    }

    /// Laravel's `path()`: the path without its surrounding slashes, `/` for the root.
    static func laravelPath(_ path: String) -> String {
        let trimmed = path.utf8.drop { $0 == UInt8(ascii: "/") }
        var text = Substring(trimmed)
        while text.hasSuffix("/") { text = text.dropLast() }
        return text.isEmpty ? "/" : String(text)
    }

    static func routeNotFound(_ path: String) -> HTTPResponse {
        .message(404, "The route \(laravelPath(path)) could not be found.")
    }

    static func methodNotAllowed(method: String, path: String, allowed: [String]) -> HTTPResponse {
        let list = allowed.joined(separator: ", ")
        var response = HTTPResponse.message(
            405, "The \(method) method is not supported for route \(laravelPath(path)). Supported methods: \(list).")
        response.headers.set("Allow", list)
        return response
    }

    /// Database trouble the client may retry is 503; anything else is a bug: 500, no details.
    static func databaseFailure(_ error: PostgresError) -> HTTPResponse {
        switch error.kind {
        case .unavailable, .connectionLost, .timeout, .connect:
            return unavailable()
        case .server:
            guard let state = error.sqlState else { return serverError() }
            // serialization failure, deadlock, query canceled / statement timeout, admin
            // shutdown, connection exceptions, insufficient resources: transient.
            if state == "40001" || state == "40P01" || state == "57014" || state.hasPrefix("57P")
                || state.hasPrefix("08") || state.hasPrefix("53") {
                return unavailable()
            }
            return serverError()
        }
    }
}
