import Foundation
import Postgres
import TestSupport
import XCTest

/// Writes racing each other through two daemons (two ports, two workers each) on one database:
/// lead numbers stay unique, label sets stay whole.
final class ConcurrencyEndToEndTests: XCTestCase {
    private static let slot = EndToEndSlot()
    private var environment: EndToEndEnvironment!
    private var fixture: EndToEndFixture { environment.fixture }
    private let leads = EndToEndEnvironment.leads

    override class func setUp() { slot.make { try EndToEndEnvironment(prefix: "concurrency", daemons: 2) } }
    override class func tearDown() { slot.tearDown() }

    override func setUpWithError() throws {
        environment = try Self.slot.get()
        try environment.resetLeads()
    }

    func testTwoHundredConcurrentCreatesThroughTwoDaemonsGetDistinctLeadIDs() throws {
        let daemons = environment.daemons.map(\.address)
        let token = fixture.full
        let leads = self.leads
        let threads = 40, perThread = 5
        let results = inParallel(threads) { index, barrier -> [String] in
            guard let client = try? daemons[index % 2].client(), (try? client.request("GET", "/healthz"))?.status == 200 else {
                barrier()
                return []
            }
            barrier()
            var ids: [String] = []
            for n in 0..<perThread {
                guard let response = try? client.json("POST", leads, token: token, body: #"{"title":"Race \#(index)-\#(n)"}"#) else { continue }
                if response.status == 201, let leadID = response.data["lead_id"] as? String { ids.append(leadID) }
            }
            return ids
        }
        let leadIDs = results.flatMap { $0 ?? [] }
        XCTAssertEqual(leadIDs.count, threads * perThread, "every create answered 201")
        XCTAssertEqual(Set(leadIDs).count, threads * perThread, "no lead_id twice")
        XCTAssertEqual(Set(leadIDs), Set((1001...1200).map { "L\($0)" }), "no gaps either")
        let row = try environment.sql("SELECT count(*), count(DISTINCT number), count(DISTINCT lead_id), count(DISTINCT external_id) FROM crm_leads").rows.first
        XCTAssertEqual(row?.map(\.string), ["200", "200", "200", "200"])
    }

    /// Logins at once through both daemons: each gets a token of its own, and each works.
    func testConcurrentLoginsEachGetAWorkingToken() throws {
        let daemons = environment.daemons.map(\.address)
        let path = EndToEndEnvironment.base + "/auth/token"
        let body = #"{"email":"jane@example.test","password":"\#(CRMSeed.password)"}"#
        let before = Int(try environment.scalar("SELECT count(*) FROM personal_access_tokens") ?? "") ?? -1
        let tokens = inParallel(30) { index, barrier -> String? in
            guard let client = try? daemons[index % 2].client(), (try? client.request("GET", "/healthz"))?.status == 200 else {
                barrier()
                return nil
            }
            barrier()
            guard let response = try? client.json("POST", path, token: nil, body: body), response.status == 201 else { return nil }
            return response.object["token"] as? String
        }.compactMap { $0 ?? nil }
        XCTAssertEqual(tokens.count, 30)
        XCTAssertEqual(Set(tokens).count, 30)
        XCTAssertEqual(Int(try environment.scalar("SELECT count(*) FROM personal_access_tokens") ?? ""), before + 30)
        let client = try environment.client(1)
        for token in tokens { XCTAssertEqual(try client.json("GET", EndToEndEnvironment.base + "/auth/me", token: token).status, 200) }
    }

    /// Label replacements of one lead racing each other: the links end up exactly one of the
    /// sets that was sent, each label once (no duplicated or lost rows).
    func testConcurrentLabelReplacementsLeaveOneWholeSet() throws {
        let client = try environment.client()
        let created = try client.json("POST", leads, token: fixture.full, body: #"{"title":"Contested","labels":["\#(fixture.hotLabel)"]}"#)
        let id = try XCTUnwrap(created.data["id"] as? String)
        let sets = [[fixture.hotLabel], [fixture.coldLabel], [fixture.hotLabel, fixture.coldLabel]]
        let daemons = environment.daemons.map(\.address)
        let token = fixture.full
        let path = leads + "/" + id
        for round in 0..<4 {
            let statuses = inParallel(24) { index, barrier -> Int in
                guard let client = try? daemons[index % 2].client(), (try? client.request("GET", "/healthz"))?.status == 200 else {
                    barrier()
                    return 0
                }
                barrier()
                let labels = sets[index % sets.count].map { "\"\($0)\"" }.joined(separator: ",")
                return (try? client.json("PATCH", path, token: token, body: #"{"labels":[\#(labels)]}"#))?.status ?? 0
            }
            XCTAssertEqual(statuses.compactMap { $0 }.filter { $0 == 200 }.count, 24, "round \(round): \(statuses)")
            let rows = try environment.sql("""
                SELECT lab.external_id FROM crm_labelables ll JOIN crm_labels lab ON lab.id = ll.label_id
                JOIN crm_leads l ON l.id = ll.crm_labelable_id WHERE l.external_id = $1 AND ll.crm_labelable_type = $2
                ORDER BY lab.id
                """, [id, CRMSeed.leadType]).rows.compactMap { $0.first?.string }
            XCTAssertTrue(sets.contains(rows), "round \(round): links \(rows) are not one of the sets sent")
            let shown = try client.json("GET", path, token: token)
            XCTAssertEqual((shown.data["labels"] as? [[String: String]])?.compactMap { $0["id"] }, rows)
        }
    }

    /// Updates racing a delete: every answer is 200 or 404, and once the delete is answered the
    /// lead stays deleted.
    func testUpdatesRacingADeleteNeverResurrectTheLead() throws {
        let client = try environment.client()
        let id = try XCTUnwrap(try client.json("POST", leads, token: fixture.full, body: #"{"title":"Racing"}"#).data["id"] as? String)
        let daemons = environment.daemons.map(\.address)
        let token = fixture.full
        let path = leads + "/" + id
        let statuses = inParallel(20) { index, barrier -> Int in
            guard let client = try? daemons[index % 2].client(), (try? client.request("GET", "/healthz"))?.status == 200 else {
                barrier()
                return 0
            }
            barrier()
            if index == 7 { return (try? client.json("DELETE", path, token: token))?.status ?? 0 }
            return (try? client.json("PUT", path, token: token, body: #"{"title":"Update \#(index)"}"#))?.status ?? 0
        }
        XCTAssertEqual(statuses[7], 204)
        XCTAssertTrue(statuses.allSatisfy { [200, 204, 404].contains($0 ?? 0) }, "\(statuses)")
        XCTAssertEqual(try environment.scalar("SELECT deleted_at IS NOT NULL FROM crm_leads WHERE external_id = $1", [id]), "t")
        XCTAssertEqual(try client.json("GET", path, token: token).status, 404)
    }
}
