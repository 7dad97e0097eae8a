import Foundation
import HTTP
@testable import LeadsAPI
import XCTest

final class OpenAPIDocumentTests: XCTestCase {
    private func document(_ base: String = "/crm/api/v2") throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(OpenAPIDocument.bytes(basePath: base))) as? [String: Any])
    }

    func testIsOpenAPI31WithBearerScheme() throws {
        let doc = try document()
        XCTAssertEqual(doc["openapi"] as? String, "3.1.0")
        let schemes = (doc["components"] as? [String: Any])?["securitySchemes"] as? [String: [String: String]]
        XCTAssertEqual(schemes?["bearerAuth"]?["scheme"], "bearer")
        XCTAssertEqual(((try document("/sales/api/v2"))["servers"] as? [[String: String]])?.first?["url"], "/sales/api/v2")
    }

    /// Every route the application serves is documented with the same methods, and every
    /// status its handlers can answer is among the operation's responses.
    func testEveryRouteMethodAndStatusIsDocumented() throws {
        let paths = try XCTUnwrap(try document()["paths"] as? [String: [String: Any]])
        let router = LeadsApplication.makeRouter(prefix: "crm")
        var served: [String: Set<String>] = [:]
        for pattern in router.patterns {
            let path = String(pattern.dropFirst("/crm/api/v2".count))
            for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
                if case .found = router.match(method: method, path: pattern.replacing("{uuid}", with: LeadsFixture.missing)) {
                    served[path, default: []].insert(method.lowercased())
                }
            }
        }
        XCTAssertEqual(Set(paths.keys), Set(served.keys))
        for (path, methods) in served {
            XCTAssertEqual(Set(paths[path]?.keys.filter { $0 != "parameters" } ?? []), methods, path)
        }
        let common: Set<String> = ["401", "403", "429", "500", "503"]
        let body: Set<String> = ["400", "413", "415", "422"]
        let expected: [String: [String: Set<String>]] = [
            "/leads": ["get": common.union(["200", "422"]), "post": common.union(body).union(["201"])],
            "/leads/{uuid}": [
                "get": common.union(["200", "404"]), "put": common.union(body).union(["200", "404"]),
                "patch": common.union(body).union(["200", "404"]), "delete": common.union(["204", "404"]),
            ],
            "/auth/token": ["post": ["201", "400", "413", "415", "422", "429", "500", "503"], "delete": common.union(["204"])],
            "/auth/me": ["get": common.union(["200"])],
            "/openapi.json": ["get": ["200"]],
        ]
        for (path, operations) in expected {
            for (method, statuses) in operations {
                let operation = paths[path]?[method] as? [String: Any]
                let documented = Set((operation?["responses"] as? [String: Any])?.keys.map { $0 } ?? [])
                XCTAssertTrue(statuses.isSubset(of: documented), "\(method) \(path) lacks \(statuses.subtracting(documented))")
            }
        }
    }

    func testServedWithoutTokenAndNotCounted() throws {
        let gate = LeadsTestGate()
        let application = LeadsApplication(
            configuration: APIConfiguration(), pool: PostgresPoolStub.make(), runner: FailingRunner(), gate: gate, auth: nil)
        let request = LeadsInProcessClient.makeRequest("GET", "/crm/api/v2/openapi.json", token: nil, body: nil, headers: [])
        let box = LeadsResponseBox()
        application.handle(request) { box.set($0) }
        let response = try XCTUnwrap(box.response)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["Content-Type"], "application/json")
        XCTAssertNil(response.headers["X-RateLimit-Limit"])
        XCTAssertEqual(gate.guestCount, 0)
        XCTAssertEqual(response.body, OpenAPIDocument.bytes(basePath: "/crm/api/v2"))
    }
}
