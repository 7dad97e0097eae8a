import Postgres
import TestSupport
import XCTest

extension BlockingConnection {
    /// The first column of the first row, as text (nil for SQL NULL or no row).
    func scalar(_ sql: String, _ parameters: [PostgresParameter] = []) throws -> String? {
        try execute(sql, parameters).rows.first?.first?.string
    }

    func count(_ table: String) throws -> Int {
        Int(try scalar("SELECT count(*) FROM \(table)") ?? "") ?? -1
    }

    /// `column → formatted type` for a table, as `format_type` writes it.
    func columnTypes(of table: String) throws -> [String: String] {
        let rows = try execute("""
            SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            WHERE c.relname = $1 AND c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
            """, [table]).rows
        var types: [String: String] = [:]
        for row in rows {
            types[row[0].string!] = row[1].string! + (row[2].bool == true ? " not null" : "")
        }
        return types
    }

    func indexNames(on table: String) throws -> Set<String> {
        Set(try execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1", [table])
            .rows.compactMap { $0[0].string })
    }
}

/// Makes a database or fails the test with TestDatabase's message (never skips).
func makeTestDatabase(prefix: String, migrate: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws -> TestDatabase {
    do {
        return try TestDatabase(prefix: prefix, migrate: migrate)
    } catch {
        XCTFail(error.description, file: file, line: line)
        throw error
    }
}
