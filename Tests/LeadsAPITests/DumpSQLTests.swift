import XCTest
@testable import LeadsAPI
import Foundation

final class DumpSQLTests: XCTestCase {
    func testDump() throws {
        let s = LeadStatements(tablePrefix: "crm_")
        try? FileManager.default.createDirectory(atPath: "/tmp/leads_sql", withIntermediateDirectories: true)
        for st in s.all {
            try st.sql.write(toFile: "/tmp/leads_sql/\(st.name).sql", atomically: true, encoding: .utf8)
        }
    }
}
