import Dispatch
import Foundation
import HTTP
@testable import LeadsAPI
import Postgres
import TestSupport
import XCTest

/// The auth layer as production will wire it: `LeadsApplication` routing to the real gate
/// and auth handlers over a real pool, requests as the HTTP server hands them
/// over. The integrator's HTTPS end-to-end tests can send these same requests over TLS.
final class AuthApplicationTests: AuthDatabaseTestCase {
    override class var databasePrefix: String { "app" }



    /// One worker: its queue, its pool, the application.
    final class Worker: @unchecked Sendable {
        // @unchecked Sendable: pool and application are only used on `queue`.
        let queue = DispatchQueue(label: "test.app-worker")
        let pool: PostgresPool
        let application: LeadsApplication

        init(url: String, configuration: APIConfiguration) throws {
            // Exactly the wiring the integrator puts into LeadsApplication's public init.
            pool = PostgresPool(
                configuration: PostgresConfiguration(connectionString: url, poolSize: 2),
                statements: LeadsApplication.preparedStatements(configuration: configuration),
                queue: queue)
            application = LeadsApplication(
                configuration: configuration, pool: pool, runner: pool,
                gate: DatabaseAccessGate(configuration: configuration, pool: pool),
                auth: AuthEndpointHandlers(configuration: configuration, pool: pool))
            guard pool.startAndWaitUntilReady(on: queue) else { throw TestSetupError("the pool did not connect within 10 s") }
        }

        deinit {
            pool.shutdownAndWait(on: queue, seconds: 5)
        }

        func send(_ request: HTTPRequest) -> HTTPResponse? {
            let box = ResultBox<HTTPResponse>()
            let semaphore = DispatchSemaphore(value: 0)
            queue.async {
                self.application.handle(request) { response in
                    box.set(response)
                    semaphore.signal()
                }
            }
            guard semaphore.wait(timeout: .now() + 30) == .success else { return nil }
            return box.get()
        }
    }

    private func worker(_ configuration: APIConfiguration = APIConfiguration()) throws -> Worker {
        try Worker(url: database.url, configuration: configuration)
    }

    private func text(_ response: HTTPResponse?) -> String { String(decoding: response?.body ?? [], as: UTF8.self) }

    private let client = "10.1.\(UInt8.random(in: 0...255)).\(UInt8.random(in: 1...254))"

    func testIssueMeRevokeThroughTheApplication() throws {
        let userID = try fixtures.user("app@example.com", password: "pw-app", name: "App User")
        let w = try worker()
        try fixtures.waitForRoomInWindow()

        let issued = w.send(AuthTestRequests.login("{\"email\":\"app@example.com\",\"password\":\"pw-app\"}", client: client))
        XCTAssertEqual(issued?.status, 201)
        XCTAssertEqual(issued?.route, "/crm/api/v2/auth/token")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(issued?.body ?? [])) as? [String: Any])
        let token = try XCTUnwrap(object["token"] as? String)

        let me = w.send(AuthTestRequests.make(bearer: token, client: client))
        XCTAssertEqual(me?.status, 200)
        XCTAssertEqual(text(me), "{\"user\":{\"id\":\(userID),\"name\":\"App User\",\"email\":\"app@example.com\"}}")
        XCTAssertEqual(me?.headers["X-RateLimit-Limit"], "60")
        XCTAssertEqual(me?.headers["X-RateLimit-Remaining"], "59")

        let anonymous = w.send(AuthTestRequests.make(bearer: nil, client: client))
        XCTAssertEqual(anonymous?.status, 401)
        XCTAssertEqual(text(anonymous), "{\"message\":\"Unauthenticated.\"}")
        XCTAssertEqual(anonymous?.headers["X-RateLimit-Limit"], "30")

        let leads = w.send(AuthTestRequests.make("GET", "/crm/api/v2/leads", bearer: token, client: client))
        XCTAssertEqual(leads?.status, 200, text(leads))

        let revoked = w.send(AuthTestRequests.make("DELETE", "/crm/api/v2/auth/token", bearer: token, client: client))
        XCTAssertEqual(revoked?.status, 204)
        XCTAssertEqual(revoked?.headers["X-RateLimit-Limit"], "60")
        let after = w.send(AuthTestRequests.make(bearer: token, client: client))
        XCTAssertEqual(after?.status, 401)
        XCTAssertEqual(try fixtures.scalar("SELECT count(*) FROM personal_access_tokens WHERE tokenable_id = $1", [String(userID)]), "0")
    }

    func testTokenLimitAnswers429ThroughTheApplication() throws {
        let userID = try fixtures.user("app-limit@example.com")
        let token = try fixtures.token(for: userID)
        let w = try worker(APIConfiguration(rateLimit: 2))
        try fixtures.waitForRoomInWindow()
        let statuses = (0..<3).map { _ in w.send(AuthTestRequests.make(bearer: token.plaintext, client: client)) }
        XCTAssertEqual(statuses.map { $0?.status }, [200, 200, 429])
        let refused = statuses[2]
        XCTAssertEqual(text(refused), "{\"message\":\"Too Many Attempts.\"}")
        XCTAssertEqual(refused?.headers["X-RateLimit-Remaining"], "0")
        let retry = Int(refused?.headers["Retry-After"] ?? "") ?? 0
        XCTAssertTrue((1...60).contains(retry))
        XCTAssertEqual((Int(refused?.headers["X-RateLimit-Reset"] ?? "") ?? 1) % 60, 0)
    }

    func testUserWithoutCRMAccessGets403() throws {
        let userID = try fixtures.user("app-denied@example.com", crmAccess: false)
        let token = try fixtures.token(for: userID)
        let response = try worker().send(AuthTestRequests.make(bearer: token.plaintext, client: client))
        XCTAssertEqual(response?.status, 403)
        XCTAssertEqual(text(response), "{\"message\":\"This action is unauthorized.\"}")
        XCTAssertNotNil(response?.headers["X-RateLimit-Remaining"])
    }

    func testUnknownRouteIsCountedAgainstTheAddress() throws {
        let response = try worker().send(AuthTestRequests.make("GET", "/crm/api/v2/nope", client: client))
        XCTAssertEqual(response?.status, 404)
        XCTAssertEqual(response?.headers["X-RateLimit-Limit"], "30")
        XCTAssertEqual(try fixtures.scalar("SELECT sum(hits) FROM leadsd_rate_limits WHERE key = $1", ["ip:" + client]), "1")
    }
}
