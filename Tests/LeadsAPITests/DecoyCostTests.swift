import Foundation
@testable import LeadsAPI
import Postgres
import XCTest

/// The decoy an unknown email is checked against has the cost of the install's own hashes
/// from a worker's first login on, so that the time of a login does not tell whether the
/// email exists. Shown without timing: the cost the decoy check used.
final class DecoyCostTests: XCTestCase {
    /// A bcrypt hash of cost 10 (Laravel 10's default), written into users as Laravel wrote it;
    /// the cost is the literal's `$10$`, independent of leadsd's hasher.
    static let costTenHash = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"

    func testTheFirstUnknownEmailOfAWorkerIsCheckedAtTheInstallsCost() throws {
        let database = try AuthTestDatabase(prefix: "decoy_cost")
        defer { database.drop() }
        let connection = try database.connect()
        try connection.execute("INSERT INTO users (name, email, password, crm_access) VALUES ('Old', 'old@example.com', $1, true)",
                               [Self.costTenHash])
        // No real user has logged in on this worker: only the users table knows the cost.
        let worker = try AuthTestWorker(database: database, configuration: APIConfiguration())
        let response = worker.issueToken(AuthTestRequests.login(#"{"email":"nobody@example.com","password":"x"}"#))
        XCTAssertEqual(response?.status, 422)
        let handlers = Unchecked(worker.handlers)
        let cost = worker.queue.sync { handlers.value.passwordChecks.lastDecoyCost }
        XCTAssertEqual(cost, 10, "the decoy of a $2y$10$ install")
        XCTAssertTrue(DecoyHashes.shared.hash(cost: cost ?? 0).hasPrefix("$2y$10$"))
    }

    /// A fresh install (no bcrypt hash in users yet) checks at the cost `user add` writes.
    func testAnInstallWithoutHashesUsesTheDefaultCost() throws {
        let database = try AuthTestDatabase(prefix: "decoy_default")
        defer { database.drop() }
        let worker = try AuthTestWorker(database: database, configuration: APIConfiguration())
        let response = worker.issueToken(AuthTestRequests.login(#"{"email":"nobody@example.com","password":"x"}"#))
        XCTAssertEqual(response?.status, 422)
        let handlers = Unchecked(worker.handlers)
        XCTAssertEqual(worker.queue.sync { handlers.value.passwordChecks.lastDecoyCost }, PasswordHasher.defaultCost)
    }
}
