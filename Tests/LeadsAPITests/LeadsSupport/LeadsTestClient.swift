import Dispatch
import Foundation
import HTTP
@testable import LeadsAPI
import Postgres
import TestSupport
import XCTest

/// One answer, as a client sees it. Shared by the in-process client below and (later) an
/// HTTPS client against the running daemon, so the same test bodies can drive either.
struct LeadsTestResponse {
    let status: Int
    let headers: HTTPHeaders
    let body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var data: [String: Any] { object["data"] as? [String: Any] ?? [:] }
    var message: String? { object["message"] as? String }
    var errors: [String: [String]] { object["errors"] as? [String: [String]] ?? [:] }
}

protocol LeadsTestClient {
    func send(_ method: String, _ target: String, token: String?, body: String?, headers: [(String, String)]) -> LeadsTestResponse
}

extension LeadsTestClient {
    /// JSON bodies get `Content-Type: application/json` unless the test sets its own.
    func request(_ method: String, _ target: String, token: String? = LeadsFixture.fullToken, json: String? = nil,
                 headers: [(String, String)] = []) -> LeadsTestResponse {
        var all = headers
        if json != nil, !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
            all.append(("Content-Type", "application/json"))
        }
        return send(method, target, token: token, body: json, headers: all)
    }
}

/// Drives `LeadsApplication` in process: a real PostgresPool on its own serial queue, as in a
/// worker, with requests handed over as the HTTP server would.
final class LeadsInProcessClient: LeadsTestClient, @unchecked Sendable {
    // @unchecked Sendable: `application` and `pool` are only touched on `queue`.
    let queue: DispatchQueue
    let pool: PostgresPool
    let application: LeadsApplication
    let basePath: String

    /// `runner` may wrap the pool (to inject a fault between the handlers and the database).
    init(databaseURL: String, gate: AccessGate, configuration: APIConfiguration = APIConfiguration(), label: String = "leads-tests.worker",
         runner: (PostgresPool) -> StatementRunner = { $0 }) {
        queue = DispatchQueue(label: label)
        let postgres = PostgresConfiguration(connectionString: databaseURL, poolSize: 2)
        pool = PostgresPool(configuration: postgres, statements: LeadsApplication.preparedStatements(configuration: configuration), queue: queue)
        application = LeadsApplication(configuration: configuration, pool: pool, runner: runner(pool), gate: gate, auth: nil)
        basePath = LeadsApplication.basePath(prefix: configuration.routePrefix)
        queue.sync { pool.start() }
    }

    func waitUntilReady(seconds: Double = 10) -> Bool {
        pool.waitUntilReady(on: queue, seconds: seconds)
    }

    func shutdown() {
        pool.shutdownAndWait(on: queue)
    }

    static func makeRequest(_ method: String, _ target: String, token: String?, body: String?, headers: [(String, String)]) -> HTTPRequest {
        var fields = HTTPHeaders([("Host", "leads.test")])
        if let token { fields.add("Authorization", "Bearer \(token)") }
        for (name, value) in headers { fields.add(name, value) }
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        return HTTPRequest(
            method: method, target: target, path: String(parts[0]), query: parts.count > 1 ? String(parts[1]) : nil,
            headers: fields, body: Array((body ?? "").utf8), clientAddress: "127.0.0.1", scheme: "https",
            host: "leads.test", requestID: "test")
    }

    /// Submits without waiting; `completion` runs on the worker queue.
    func submit(_ request: HTTPRequest, completion: @escaping @Sendable (HTTPResponse) -> Void) {
        queue.async { self.application.handle(request) { completion($0) } }
    }

    func send(_ method: String, _ target: String, token: String?, body: String?, headers: [(String, String)]) -> LeadsTestResponse {
        let request = Self.makeRequest(method, target, token: token, body: body, headers: headers)
        let box = LeadsResponseBox()
        let done = DispatchSemaphore(value: 0)
        submit(request) { response in
            box.set(response)
            done.signal()
        }
        guard done.wait(timeout: .now() + 15) == .success, let response = box.response else {
            XCTFail("no response to \(method) \(target) within 15 s")
            return LeadsTestResponse(status: 0, headers: HTTPHeaders(), body: [])
        }
        // What the server does: no body for HEAD and 204.
        let body = method == "HEAD" || response.status == 204 ? [] : response.body
        return LeadsTestResponse(status: response.status, headers: response.headers, body: body)
    }
}

final class LeadsResponseBox: @unchecked Sendable {
    // @unchecked Sendable: every access holds the lock.
    private let lock = NSLock()
    private var stored: HTTPResponse?
    var response: HTTPResponse? { lock.lock(); defer { lock.unlock() }; return stored }
    func set(_ response: HTTPResponse) { lock.lock(); stored = response; lock.unlock() }
}
