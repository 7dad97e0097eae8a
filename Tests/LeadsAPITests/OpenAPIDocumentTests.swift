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
            for method in ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"] {
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
            "/leads": [
                "get": common.union(["200", "422"]), "head": common.union(["200", "422"]),
                "post": common.union(body).union(["201"]),
            ],
            "/leads/{uuid}": [
                "get": common.union(["200", "404"]), "head": common.union(["200", "404"]),
                "put": common.union(body).union(["200", "404"]),
                "patch": common.union(body).union(["200", "404"]), "delete": common.union(["204", "404"]),
            ],
            "/auth/token": ["post": ["201", "400", "413", "415", "422", "429", "500", "503"], "delete": common.union(["204"])],
            "/auth/me": ["get": common.union(["200"]), "head": common.union(["200"])],
            "/openapi.json": ["get": ["200"], "head": ["200"]],
        ]
        for (path, operations) in expected {
            for (method, statuses) in operations {
                let operation = paths[path]?[method] as? [String: Any]
                let documented = Set((operation?["responses"] as? [String: Any])?.keys.map { $0 } ?? [])
                XCTAssertTrue(statuses.isSubset(of: documented), "\(method) \(path) lacks \(statuses.subtracting(documented))")
            }
        }
    }

    /// The Lead resource is exactly contract §5's keys, in its order, and nothing else.
    func testLeadSchemaIsTheExactKeySet() throws {
        let schemas = try XCTUnwrap((try document()["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let lead = try XCTUnwrap(schemas["Lead"] as? [String: Any])
        XCTAssertEqual(lead["required"] as? [String], [
            "id", "lead_id", "title", "description", "amount", "currency", "expected_close", "converted_at",
            "created_at", "updated_at", "deleted_at", "owner", "person", "organization", "labels",
        ])
        XCTAssertEqual(lead["additionalProperties"] as? Bool, false)
        XCTAssertEqual(Set((lead["properties"] as? [String: Any])?.keys.map { $0 } ?? []), Set(lead["required"] as? [String] ?? []))
    }

    /// Every response of every operation names X-Request-Id, which every response carries.
    func testEveryResponseDocumentsTheRequestID() throws {
        let doc = try document()
        let components = try XCTUnwrap((doc["components"] as? [String: Any])?["responses"] as? [String: [String: Any]])
        let paths = try XCTUnwrap(doc["paths"] as? [String: [String: Any]])
        for (path, item) in paths {
            for (method, operation) in item {
                guard let responses = (operation as? [String: Any])?["responses"] as? [String: [String: Any]] else { continue }
                for (status, response) in responses {
                    let resolved = (response["$ref"] as? String).flatMap { components[String($0.split(separator: "/").last!)] } ?? response
                    XCTAssertNotNil((resolved["headers"] as? [String: Any])?["X-Request-Id"], "\(method) \(path) \(status)")
                }
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
