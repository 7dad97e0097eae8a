import HTTP
import Metrics
import Postgres

/// The handlers of `POST auth/token`, `GET auth/me` and `DELETE auth/token` (contract §2).
///
/// Confined to the worker's queue: called there, and `respond` is called there exactly once.
/// `issueToken` does its own rate limiting (the login counts against both IP limits) and puts
/// the headers on its response. `me` and `revoke` run after the caller's `AccessGate.admit`
/// admitted the request; the caller adds that outcome's rate-limit headers to their response.
public final class AuthEndpointHandlers {
    public let configuration: APIConfiguration
    private let runner: StatementRunner
    let passwordChecks: PasswordCheckQueue

    public convenience init(configuration: APIConfiguration, pool: PostgresPool) {
        self.init(configuration: configuration, runner: pool)
    }

    public init(configuration: APIConfiguration, runner: StatementRunner, passwordChecks: PasswordCheckQueue? = nil) {
        self.configuration = configuration
        self.runner = runner
        self.passwordChecks = passwordChecks ?? PasswordCheckQueue(workerQueue: runner.queue)
    }

    var tokenRoute: String { "/\(configuration.routePrefix)/api/v2/auth/token" }
    var meRoute: String { "/\(configuration.routePrefix)/api/v2/auth/me" }

    static let credentialsIncorrect = "The provided credentials are incorrect."

    // MARK: POST auth/token

    public func issueToken(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
        let parsed = LoginRequest.parse(request, maxBytes: configuration.maxBodyBytes)
        var queries = [Query(RateLimitStatements.countLogin, [
            RateLimitKey.guest(request.clientAddress), RateLimitKey.login(request.clientAddress),
        ])]
        // The user is fetched in the same round trip as the count; it is only used when the
        // request is within both limits and valid. So is, on a worker's first logins, the cost
        // of the install's hashes, which the decoy of an unknown email must match from the start.
        var userIndex: Int?
        if case .success(let login) = parsed {
            userIndex = queries.count
            queries.append(Query(AuthEndpointStatements.userByEmail, [login.email]))
        }
        var costIndex: Int?
        if !passwordChecks.knowsInstallCost {
            costIndex = queries.count
            queries.append(Query(AuthEndpointStatements.installHashCost, []))
        }
        let route = tokenRoute
        let expected = queries.count
        runner.run(QueryBatch(queries, isReadOnly: false)) { [self] result in
            guard case .success(let results) = result, results.count == expected,
                  let (status, refusedBy) = loginStatus(results.first) else {
                respond(APIResponses.unavailable().routed(route))
                return
            }
            if let costIndex {
                passwordChecks.learnInstallCost(results[costIndex].rows.first?.first?.string.flatMap { Int($0) })
            }
            func answer(_ response: HTTPResponse) {
                var response = response
                status.apply(to: &response)
                respond(response)
            }
            if status.exceeded {
                WorkerMetrics.current?.recordRateLimitRejection(refusedBy)
                return answer(.message(429, "Too Many Attempts.", route: route))
            }
            switch parsed {
            case .failure(.body(let failure)): answer(APIResponses.body(failure).routed(route))
            case .failure(.invalid(let errors)): answer(ValidationResponse.make(errors, route: route))
            case .success(let login):
                let user = userIndex.flatMap { LoginUser(results[$0]) }
                checkCredentials(login, user: user, request: request, answer: answer)
            }
        }
    }

    /// The row of `users` a login names.
    struct LoginUser {
        var id: Int64
        var name: String
        var email: String
        var passwordHash: String
        var crmAccess: Bool

        init?(_ result: QueryResult) {
            guard let row = result.rows.first, let id = result.cell(row, "id")?.int else { return nil }
            self.id = Int64(id)
            name = result.cell(row, "name")?.string ?? ""
            email = result.cell(row, "email")?.string ?? ""
            passwordHash = result.cell(row, "password")?.string ?? ""
            crmAccess = result.cell(row, "crm_access")?.bool ?? false
        }
    }

    /// The stricter of the two IP counters (guest and login) the request was counted against,
    /// whose headers the client gets, and the limit that refused it if one did (login first).
    private func loginStatus(_ result: QueryResult?) -> (status: RateLimitStatus, refusedBy: RateLimitKind)? {
        guard let result, let keyColumn = result.column(named: "key") else { return nil }
        var guest: RateLimitStatus?
        var login: RateLimitStatus?
        for row in result.rows {
            guard let window = RateLimitWindow(row: row, in: result), let key = row[keyColumn].string else { return nil }
            if key.hasPrefix("login:") {
                login = window.status(limit: configuration.loginRateLimit)
            } else {
                guest = window.status(limit: configuration.guestRateLimit)
            }
        }
        guard let guest, let login else { return nil }
        return (RateLimitWindow.stricter(guest, login), login.exceeded ? .login : .guest)
    }

    /// Exactly one bcrypt check happens whether the email is unknown, the password wrong or the
    /// user without crm_access, so the three answers take the same time and say the same thing.
    private func checkCredentials(
        _ login: LoginRequest, user: LoginUser?, request: HTTPRequest, answer: @escaping (HTTPResponse) -> Void
    ) {
        let route = tokenRoute
        let target: PasswordCheckQueue.Target = user.map { .stored($0.passwordHash) } ?? .decoy
        let accepted = passwordChecks.verify(login.password, against: target) { [self] matches in
            guard matches, let user, user.crmAccess else {
                answer(ValidationResponse.make([("email", [Self.credentialsIncorrect])], route: route))
                return
            }
            insertToken(for: user, name: tokenName(login, request), answer: answer)
        }
        if !accepted { answer(APIResponses.unavailable().routed(route)) }
    }

    /// `device_name`, else the User-Agent (cut to the column's length), else `api-token`.
    func tokenName(_ login: LoginRequest, _ request: HTTPRequest) -> String {
        if let device = login.deviceName { return device }
        let agent = LoginRequest.trim(request.headers["User-Agent"] ?? "")
        guard !agent.isEmpty else { return "api-token" }
        return String(String.UnicodeScalarView(agent.unicodeScalars.prefix(LoginRequest.maximumNameLength)))
    }

    private func insertToken(for user: LoginUser, name: String, answer: @escaping (HTTPResponse) -> Void) {
        let secret = SanctumToken.newSecret()
        let query = Query(AuthEndpointStatements.insertToken, [
            configuration.userModel, String(user.id), name, SanctumToken.hash(secret: secret),
        ])
        let route = tokenRoute
        runner.run(QueryBatch([query], isReadOnly: false)) { result in
            let results: [QueryResult]
            switch result {
            case .success(let answered): results = answered
            case .failure(let error): return answer(Self.failure(error, route: route))
            }
            guard let row = results.first?.rows.first, let id = results.first?.cell(row, "id")?.int else {
                answer(Self.failure(nil, route: route))
                return
            }
            var body: [UInt8] = Array("{\"token\":".utf8)
            JSONEscaping.appendString("\(id)|\(secret)".utf8, to: &body)
            body.append(contentsOf: Array(",\"user\":".utf8))
            UserJSON.append(id: user.id, name: user.name, email: user.email, to: &body)
            body.append(UInt8(ascii: "}"))
            answer(.json(201, body, route: route))
        }
    }

    // MARK: GET auth/me

    public func me(_ request: HTTPRequest, user: AuthenticatedUser, respond: @escaping (HTTPResponse) -> Void) {
        guard user.crmAccess else { return respond(.message(403, "This action is unauthorized.", route: meRoute)) }
        var body: [UInt8] = Array("{\"user\":".utf8)
        UserJSON.append(id: user.userID, name: user.name, email: user.email, to: &body)
        body.append(UInt8(ascii: "}"))
        respond(.json(200, body, route: meRoute))
    }

    // MARK: DELETE auth/token

    public func revoke(_ request: HTTPRequest, user: AuthenticatedUser, respond: @escaping (HTTPResponse) -> Void) {
        let route = tokenRoute
        guard user.crmAccess else { return respond(.message(403, "This action is unauthorized.", route: route)) }
        let query = Query(AuthEndpointStatements.deleteToken, [String(user.tokenID)])
        runner.run(QueryBatch([query], isReadOnly: false)) { result in
            switch result {
            case .success: respond(HTTPResponse(status: 204, route: route))
            case .failure(let error): respond(Self.failure(error, route: route))
            }
        }
    }

    /// A write that failed: 503 when the database is unreachable or busy (the client may
    /// retry), 500 for anything else, which is a bug (contract §8), as the lead routes answer.
    static func failure(_ error: PostgresError?, route: String?) -> HTTPResponse {
        (error.map(APIResponses.databaseFailure) ?? APIResponses.serverError()).routed(route)
    }
}

/// `{"id":…,"name":…,"email":…}` of a user, as the auth endpoints answer it.
enum UserJSON {
    static func append(id: Int64, name: String, email: String, to body: inout [UInt8]) {
        body.append(contentsOf: Array("{\"id\":\(id),\"name\":".utf8))
        JSONEscaping.appendString(name.utf8, to: &body)
        body.append(contentsOf: Array(",\"email\":".utf8))
        JSONEscaping.appendString(email.utf8, to: &body)
        body.append(UInt8(ascii: "}"))
    }
}
