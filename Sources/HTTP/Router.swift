/// Method + path pattern → handler. Patterns are `/`-separated segments, each a literal or
/// a `{name}` capture of one non-empty segment. A GET route also answers HEAD.
public struct Router<Handler> {
    public struct Route {
        public let method: String
        /// The pattern as registered, e.g. `/crm/api/v2/leads/{uuid}`; used as the log/metric label.
        public let pattern: String
        public let handler: Handler
        fileprivate let segments: [Segment]
    }

    public enum Match {
        case found(Route, parameters: [String: String])
        /// The path exists but not for this method; `allowed` is in registration order, HEAD after GET.
        case methodNotAllowed(pattern: String, allowed: [String])
        case notFound
    }

    fileprivate enum Segment: Equatable {
        case literal(Substring)
        case capture(String)
    }

    private var routes: [Route] = []

    public init() {}

    public mutating func add(_ method: String, _ pattern: String, _ handler: Handler) {
        routes.append(Route(method: method, pattern: pattern, handler: handler, segments: Self.segments(of: pattern)))
    }

    /// All registered patterns, in registration order, without repeats.
    public var patterns: [String] {
        var seen: [String] = []
        for route in routes where !seen.contains(route.pattern) { seen.append(route.pattern) }
        return seen
    }

    public func match(method: String, path: String) -> Match {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var allowed: [String] = []
        var allowedPattern: String?
        for route in routes {
            guard let parameters = Self.bind(route.segments, to: parts) else { continue }
            if route.method == method || (method == "HEAD" && route.method == "GET") {
                return .found(route, parameters: parameters)
            }
            allowedPattern = allowedPattern ?? route.pattern
            if !allowed.contains(route.method) { allowed.append(route.method) }
            if route.method == "GET", !allowed.contains("HEAD") { allowed.append("HEAD") }
        }
        if let allowedPattern { return .methodNotAllowed(pattern: allowedPattern, allowed: allowed) }
        return .notFound
    }

    private static func segments(of pattern: String) -> [Segment] {
        pattern.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { part in
            if part.hasPrefix("{"), part.hasSuffix("}") { return .capture(String(part.dropFirst().dropLast())) }
            return .literal(part)
        }
    }

    private static func bind(_ segments: [Segment], to parts: ArraySlice<Substring>) -> [String: String]? {
        guard segments.count == parts.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let literal): guard literal == part else { return nil }
            case .capture(let name):
                guard !part.isEmpty else { return nil }
                parameters[name] = String(part)
            }
        }
        return parameters
    }
}
