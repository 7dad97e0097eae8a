import Dispatch
import Foundation
import HTTP
@testable import LeadsAPI
import Postgres
import TestSupport
import XCTest

// Test helpers of the auth and rate-limit tests.

/// Moves a non-Sendable value into a closure that runs on a worker queue.
/// `@unchecked Sendable`: the tests hand each value to exactly one queue at a time.
struct Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// A throwaway database for one test class, migrated by the foundation's runner (every
/// sql/NNN_*.sql, so the upstream tables and leadsd_rate_limits are exactly production's).
final class AuthTestDatabase {
    let database: TestDatabase
    var name: String { database.name }
    var url: String { database.url }

    /// Fails the test (never skips) when LEADSD_TEST_DATABASE_URL is unset.
    init(prefix: String) throws {
        database = try TestDatabase(prefix: "auth_" + prefix)
    }

    func drop() { database.drop() }

    func connect() throws -> BlockingConnection { try database.connect() }

    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }
}

/// A test class whose tests share one AuthTestDatabase, made before its first test and
/// dropped after its last; subclasses name it by `databasePrefix`.
class AuthDatabaseTestCase: XCTestCase {
    class var databasePrefix: String { "auth" }

    // nonisolated(unsafe): XCTest runs classes, and a class's setUp, tests and tearDown, one
    // after another on one thread.
    nonisolated(unsafe) private static var databases: [ObjectIdentifier: Result<AuthTestDatabase, Error>] = [:]

    override class func setUp() {
        databases[ObjectIdentifier(self)] = Result { try AuthTestDatabase(prefix: databasePrefix) }
    }

    override class func tearDown() {
        if case .success(let database) = databases.removeValue(forKey: ObjectIdentifier(self)) { database.drop() }
    }

    var database: AuthTestDatabase!
    var fixtures: AuthFixtures!

    override func setUpWithError() throws {
        switch Self.databases[ObjectIdentifier(Self.self)] {
        case .success(let made)?: database = made
        case .failure(let error)?: XCTFail("\(error)"); throw error
        case nil: throw TestSetupError("no database for \(Self.self)")
        }
        fixtures = AuthFixtures(connection: try database.connect())
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One "worker" as leadsd runs it: a serial queue with its own `PostgresPool` (real
/// non-blocking pipelined connections) that prepared every auth statement.
final class AuthTestWorker: @unchecked Sendable {
    // @unchecked Sendable: pool, gate and handlers are only used on `queue` (via `sync`).
    let queue: DispatchQueue
    let pool: PostgresPool
    var runner: StatementRunner { pool }
    let gate: DatabaseAccessGate
    let handlers: AuthEndpointHandlers

    init(database: AuthTestDatabase, configuration: APIConfiguration, label: String = "worker", connections: Int = 4) throws {
        queue = DispatchQueue(label: "test.\(label)")
        pool = PostgresPool(
            configuration: PostgresConfiguration(connectionString: database.url, poolSize: connections),
            statements: DatabaseAccessGate.preparedStatements, queue: queue)
        gate = DatabaseAccessGate(configuration: configuration, pool: pool)
        handlers = AuthEndpointHandlers(configuration: configuration, pool: pool)
        guard pool.startAndWaitUntilReady(on: queue) else { throw TestSetupError("the pool did not connect within 10 s") }
    }

    deinit {
        pool.shutdownAndWait(on: queue, seconds: 5)
    }

    /// Starts `start` on the worker queue and waits for the value it completes with.
    func sync<T: Sendable>(timeout: Double = 30, _ start: @escaping (AuthTestWorker, @escaping (T) -> Void) -> Void) -> T? {
        let semaphore = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        let start = Unchecked(start)
        queue.async {
            start.value(self) { value in
                box.set(value)
                semaphore.signal()
            }
        }
        guard semaphore.wait(timeout: .now() + timeout) == .success else { return nil }
        return box.get()
    }

    func admit(_ request: HTTPRequest) -> GateOutcome? { sync { w, done in w.gate.admit(request, completion: done) } }
    func issueToken(_ request: HTTPRequest) -> HTTPResponse? { sync { w, done in w.handlers.issueToken(request, respond: done) } }
}

final class ResultBox<T>: @unchecked Sendable {
    // @unchecked Sendable: guarded by `lock`.
    private let lock = NSLock()
    private var value: T?
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
    func get() -> T? { lock.lock(); defer { lock.unlock() }; return value }
}

enum AuthTestRequests {
    static func make(
        _ method: String = "GET", _ path: String = "/crm/api/v2/auth/me", bearer: String? = nil,
        body: String? = nil, contentType: String? = "application/json", userAgent: String? = nil,
        client: String = "203.0.113.7"
    ) -> HTTPRequest {
        var headers = HTTPHeaders()
        headers.add("Host", "localhost")
        if let bearer { headers.add("Authorization", "Bearer \(bearer)") }
        if body != nil, let contentType { headers.add("Content-Type", contentType) }
        if let userAgent { headers.add("User-Agent", userAgent) }
        return HTTPRequest(
            method: method, target: path, path: path, query: nil, headers: headers,
            body: Array((body ?? "").utf8), clientAddress: client, scheme: "https", host: "localhost",
            requestID: "test"
        )
    }

    static func login(_ json: String?, client: String = "203.0.113.7", userAgent: String? = nil,
                      contentType: String? = "application/json") -> HTTPRequest {
        make("POST", "/crm/api/v2/auth/token", body: json, contentType: contentType, userAgent: userAgent, client: client)
    }
}

/// Users and tokens written by hand in SQL, the way Laravel and Sanctum write them.
struct AuthFixtures {
    let connection: BlockingConnection

    @discardableResult
    func user(_ email: String, password: String = "secret-password", name: String = "Jane Doe",
              crmAccess: Bool = true) throws -> Int64 {
        let hash = PasswordHasher.hash(password, cost: 4)!
        let result = try connection.execute(
            "INSERT INTO users (name, email, password, crm_access, created_at, updated_at) "
                + "VALUES ($1, $2, $3, $4, now(), now()) RETURNING id",
            [name, email, hash, crmAccess ? "true" : "false"])
        return Int64(result.rows[0][0].int!)
    }

    /// Inserts a token row as Sanctum's createToken does and returns the plaintext `<id>|<secret>`.
    func token(for userID: Int64, abilities: String? = "[\"*\"]", tokenableType: String = "App\\Models\\User",
               expiresAt: String? = nil, createdAt: String = "now()") throws -> (id: Int64, plaintext: String) {
        let secret = SanctumToken.newSecret()
        let result = try connection.execute(
            "INSERT INTO personal_access_tokens (tokenable_type, tokenable_id, name, token, abilities, expires_at, "
                + "created_at, updated_at) VALUES ($1, $2, 'test', encode(sha256(convert_to($3, 'UTF8')), 'hex'), $4, "
                + "$5::timestamp, \(createdAt) AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC') RETURNING id",
            [tokenableType, String(userID), secret, abilities, expiresAt])
        let id = Int64(result.rows[0][0].int!)
        return (id, "\(id)|\(secret)")
    }

    func scalar(_ sql: String, _ parameters: [PostgresParameter] = []) throws -> String? {
        try connection.execute(sql, parameters).rows.first?.first?.string
    }

    /// Waits until the database clock is at least `margin` seconds away from the end of its
    /// minute, so a test that counts within one window does not straddle two.
    func waitForRoomInWindow(margin: Double = 8) throws {
        let second = Double(try scalar("SELECT extract(epoch FROM now())::float8 - floor(extract(epoch FROM now()) / 60) * 60") ?? "0") ?? 0
        if 60 - second < margin { Thread.sleep(forTimeInterval: 60 - second + 0.2) }
    }
}
