import Foundation
import Postgres
@testable import LeadsAPI
import TestSupport
import XCTest

/// A seeded database and a client for one integration test class.
final class LeadsIntegrationEnvironment: @unchecked Sendable {
    // @unchecked Sendable: set up once, then read-only; the client confines itself to its queue.
    let database: TestDatabase
    let client: LeadsInProcessClient
    let gate: LeadsTestGate

    init(prefix: String, configuration: APIConfiguration = APIConfiguration()) throws {
        database = try TestDatabase(prefix: "leads_" + prefix)
        try database.connect().execute(LeadsFixture.seed)
        gate = LeadsFixture.gate()
        client = LeadsInProcessClient(databaseURL: database.url, gate: gate, configuration: configuration)
        guard client.waitUntilReady() else { throw LeadsTestError("the pool did not connect to \(database.name)") }
    }

    /// Leads, their label links and the number counter back to empty.
    func resetLeads() throws {
        try database.connect().execute("TRUNCATE crm_leads, crm_labelables, leadsd_lead_numbers RESTART IDENTITY")
    }

    func tearDown() {
        client.shutdown()
        database.drop()
    }
}

/// Holds a class's environment, or why it could not be made (reported by every test).
final class LeadsEnvironmentSlot: @unchecked Sendable {
    // @unchecked Sendable: XCTest runs a class's setUp, tests and tearDown one after another.
    var environment: LeadsIntegrationEnvironment?
    var failure: Error?

    func make(prefix: String, configuration: APIConfiguration = APIConfiguration()) {
        do { environment = try LeadsIntegrationEnvironment(prefix: prefix, configuration: configuration) } catch { failure = error }
    }

    func get() throws -> LeadsIntegrationEnvironment {
        if let environment { return environment }
        throw failure ?? LeadsTestError("environment not set up")
    }

    func tearDown() {
        environment?.tearDown()
        environment = nil
    }
}
