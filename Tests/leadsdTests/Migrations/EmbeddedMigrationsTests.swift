import Foundation
import Migrations
import XCTest

/// The build plugin must carry every sql/NNN_name.sql, byte for byte, in version order.
final class EmbeddedMigrationsTests: XCTestCase {
    func testEveryFileOfTheSQLFolderIsEmbeddedInOrder() throws {
        let folder = LeadsdProcess.packageRoot.appendingPathComponent("sql")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        XCTAssertFalse(files.isEmpty)
        XCTAssertEqual(Migration.embedded.map { $0.identifier + ".sql" }, files)
        for migration in Migration.embedded {
            let text = try String(contentsOf: folder.appendingPathComponent(migration.identifier + ".sql"), encoding: .utf8)
            XCTAssertEqual(migration.sql + "\n", text.hasSuffix("\n") ? text : text + "\n", migration.identifier)
        }
        XCTAssertEqual(Migration.embedded.map(\.version), Migration.embedded.map(\.version).sorted())
        XCTAssertEqual(Set(Migration.embedded.map(\.version)).count, Migration.embedded.count)
    }

    func testTheBinaryListsTheSameMigrationsWithoutADatabase() throws {
        let outcome = try LeadsdProcess.run(["migrate", "--list"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertEqual(outcome.stdout.split(separator: "\n").map(String.init), Migration.embedded.map(\.identifier))
    }
}
