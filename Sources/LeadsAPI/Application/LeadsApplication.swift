import HTTP
import Metrics
import Postgres

/// The HTTP responder of the whole API: routing, order of checks, handlers.
/// Lives on the worker's queue, like the pool it uses.
public final class LeadsApplication: HTTPResponder {
    public let configuration: APIConfiguration
    public let pool: PostgresPool

    /// What a route leads to.
    enum Endpoint {
        case listLeads, createLead, showLead, updateLead, deleteLead
        case issueToken, me, revokeToken
        case openAPI

        /// Answers with a Lead, and so with people's and organizations' names.
        var servesNames: Bool { self == .listLeads || self == .showLead || self == .createLead || self == .updateLead }
    }

    private let router: Router<Endpoint>
    private let gate: AccessGate
    private let auth: AuthEndpoints?
    private let leads: LeadsController
    private let openAPIDocument: [UInt8]
    /// With no app key: whether names may be served (contract §2c).
    public let encryptedNames: EncryptedNamesGuard

    /// `encryptedNamesChecked`: the master's start check found no encrypted name. Without it,
    /// and with no app key, `encryptedNames.check()` must be called (once the worker has set
    /// `encryptedNames.onReport`) before a lead is served.
    public convenience init(configuration: APIConfiguration, pool: PostgresPool, encryptedNamesChecked: Bool) {
        self.init(
            configuration: configuration, pool: pool, runner: pool,
            gate: DatabaseAccessGate(configuration: configuration, pool: pool),
            auth: AuthEndpointHandlers(configuration: configuration, pool: pool),
            encryptedNamesChecked: encryptedNamesChecked)
    }

    /// For tests (and the integrator): any gate and auth handlers, any batch runner.
    init(configuration: APIConfiguration, pool: PostgresPool, runner: StatementRunner, gate: AccessGate, auth: AuthEndpoints?,
         encryptedNamesChecked: Bool = true) {
        self.configuration = configuration
        self.pool = pool
        self.gate = gate
        self.auth = auth
        self.router = Self.makeRouter(prefix: configuration.routePrefix)
        self.openAPIDocument = OpenAPIDocument.bytes(basePath: Self.basePath(prefix: configuration.routePrefix))
        let encryptedNames = EncryptedNamesGuard(
            state: configuration.appKeys != nil || encryptedNamesChecked ? .clear : .unchecked,
            runner: runner, tablePrefix: configuration.tablePrefix)
        self.encryptedNames = encryptedNames
        self.leads = LeadsController(
            statements: LeadStatements(tablePrefix: configuration.tablePrefix), runner: runner,
            maxBodyBytes: configuration.maxBodyBytes,
            names: StoredNames(encrypter: configuration.appKeys.map(LaravelEncrypter.init(keys:))),
            ciphertextFound: { encryptedNames.refuse($0) })
    }

    static func basePath(prefix: String) -> String { prefix.isEmpty ? "/api/v2" : "/\(prefix)/api/v2" }

    static func makeRouter(prefix: String) -> Router<Endpoint> {
        let base = basePath(prefix: prefix)
        var router = Router<Endpoint>()
        router.add("GET", base + "/leads", .listLeads)
        router.add("POST", base + "/leads", .createLead)
        router.add("GET", base + "/leads/{uuid}", .showLead)
        router.add("PUT", base + "/leads/{uuid}", .updateLead)
        router.add("PATCH", base + "/leads/{uuid}", .updateLead)
        router.add("DELETE", base + "/leads/{uuid}", .deleteLead)
        router.add("POST", base + "/auth/token", .issueToken)
        router.add("DELETE", base + "/auth/token", .revokeToken)
        router.add("GET", base + "/auth/me", .me)
        router.add("GET", base + "/openapi.json", .openAPI)
        return router
    }

    /// Every statement the API runs; each pool connection prepares them all.
    public static func preparedStatements(configuration: APIConfiguration) -> [PreparedStatement] {
        LeadStatements(tablePrefix: configuration.tablePrefix).all + DatabaseAccessGate.preparedStatements
            + [EncryptedNameProbe.statement(tablePrefix: configuration.tablePrefix)]
    }

    public var isReady: Bool { pool.isReady && encryptedNames.isReady }

    public func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
        // Laravel matches routes on the path without trailing slashes, and builds its URLs so.
        var request = request
        request.path = Self.withoutTrailingSlashes(request.path)
        switch router.match(method: request.method, path: request.path) {
        case .notFound:
            countGuest(request, APIResponses.routeNotFound(request.path), respond)
        case .methodNotAllowed(_, let allowed):
            countGuest(request, APIResponses.methodNotAllowed(method: request.method, path: request.path, allowed: allowed), respond)
        case .found(let route, let parameters):
            let pattern = route.pattern
            dispatch(route.handler, parameters["uuid"] ?? "", request) { respond($0.routed(pattern)) }
        }
    }

    static func withoutTrailingSlashes(_ path: String) -> String {
        guard path.count > 1, path.hasSuffix("/") else { return path }
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }

    /// Unknown routes and wrong verbs are counted against the client IP, but the route
    /// answer comes first in the contract's order, so it is what the client gets.
    private func countGuest(_ request: HTTPRequest, _ answer: HTTPResponse, _ respond: @escaping (HTTPResponse) -> Void) {
        gate.countGuest(request) { outcome in
            var response = answer
            switch outcome {
            case .unauthenticated(let status), .limited(let status), .admitted(_, let status):
                response.headers.set("X-RateLimit-Limit", String(status.limit))
                response.headers.set("X-RateLimit-Remaining", String(status.exceeded ? 0 : status.remaining))
            case .unavailable:
                break
            }
            respond(response)
        }
    }

    private func dispatch(_ endpoint: Endpoint, _ uuid: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) {
        if endpoint == .openAPI {
            // Public and never counted (contract §9).
            respond(.json(200, openAPIDocument))
            return
        }
        if endpoint.servesNames, !encryptedNames.isReady {
            encryptedNames.admit { [self] refusal in
                if let refusal { respond(refusal) } else { dispatch(endpoint, uuid, request, respond) }
            }
            return
        }
        if endpoint == .issueToken {
            guard let auth else { respond(APIResponses.unavailable()); return }
            auth.issueToken(request, respond: respond)
            return
        }
        // Teams mode is off: the scope is known before the user is, so a show's or a list's
        // read can travel with the gate (one round trip). A scope taken from the user would
        // have to wait for admission instead.
        let team: Int64? = nil
        func context(_ user: AuthenticatedUser, _ respond: @escaping (HTTPResponse) -> Void) -> LeadsController.Context {
            LeadsController.Context(request: request, user: user, team: team, respond: respond)
        }
        switch endpoint {
        case .listLeads:
            let list = leads.listRequest(request, team: team)
            admit(request, along: list.read, respond) { [self] user, respond, prefetched in
                leads.list(list, context(user, respond), prefetched: prefetched)
            }
        case .showLead:
            let read = leads.showRead(uuid, team: team)
            admit(request, along: read, respond) { [self] user, respond, prefetched in
                let gateRead = read.flatMap { batch in prefetched.map { LeadsController.Prefetched(batch: batch, result: $0) } }
                leads.show(uuid, context(user, respond), prefetched: gateRead)
            }
        default:
            admit(request, along: nil, respond) { [self] user, respond, _ in
                switch endpoint {
                case .createLead: leads.create(context(user, respond))
                case .updateLead: leads.update(uuid, context(user, respond))
                case .deleteLead: leads.delete(uuid, context(user, respond))
                case .me:
                    guard let auth else { respond(APIResponses.unavailable()); return }
                    auth.me(request, user: user, respond: respond)
                case .revokeToken:
                    guard let auth else { respond(APIResponses.unavailable()); return }
                    auth.revoke(request, user: user, respond: respond)
                case .listLeads, .showLead, .issueToken, .openAPI:
                    break  // answered above
                }
            }
        }
    }

    /// Authentication (401) → rate limit (429) → crm_access (403); every response from
    /// here on carries the counter's headers.
    ///
    /// `read`, when given, goes to the database with the gate's statement; the handler gets its
    /// result (nil if the gate did not run it).
    private func admit(_ request: HTTPRequest, along read: QueryBatch?, _ respond: @escaping (HTTPResponse) -> Void,
                       then handler: @escaping (AuthenticatedUser, @escaping (HTTPResponse) -> Void,
                                                Result<[QueryResult], PostgresError>?) -> Void) {
        gate.admit(request, along: read) { outcome, prefetched in
            switch outcome {
            case .unavailable:
                respond(APIResponses.unavailable())
            case .unauthenticated(let status):
                if status.exceeded { WorkerMetrics.current?.recordRateLimitRejection(.guest) }
                var response = status.exceeded ? APIResponses.tooManyAttempts() : APIResponses.unauthenticated()
                status.apply(to: &response)
                respond(response)
            case .limited(let status):
                WorkerMetrics.current?.recordRateLimitRejection(.token)
                var response = APIResponses.tooManyAttempts()
                status.apply(to: &response)
                respond(response)
            case .admitted(let user, let status):
                let counted: (HTTPResponse) -> Void = { response in
                    var response = response
                    status.apply(to: &response)
                    respond(response)
                }
                guard user.crmAccess else { counted(APIResponses.unauthorized()); return }
                handler(user, counted, prefetched)
            }
        }
    }
}
