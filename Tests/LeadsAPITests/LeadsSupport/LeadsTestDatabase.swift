import Foundation
import Migrations
import Postgres
import XCTest

/// A throwaway database for one lead test class, on the server LEADSD_TEST_DATABASE_URL names.
/// The tests FAIL (never skip) when the variable is unset.
final class LeadsTestDatabase: @unchecked Sendable {
    // @unchecked Sendable: immutable after init; connections are made per use.
    let name: String
    let url: String
    private let serverURL: String

    /// `encoding: "SQL_ASCII"` makes a database that stores any bytes, as old installs may.
    init(prefix: String, encoding: String? = nil) throws {
        guard let server = ProcessInfo.processInfo.environment["LEADSD_TEST_DATABASE_URL"], !server.isEmpty else {
            throw LeadsTestError("LEADSD_TEST_DATABASE_URL is not set: the lead integration tests need a PostgreSQL "
                + "server where they may CREATE DATABASE, e.g. postgresql://postgres@127.0.0.1:54329/postgres")
        }
        serverURL = server
        name = "leads_\(prefix)_\(UInt32.random(in: 0...UInt32.max))".lowercased()
        url = try Self.url(server, database: name)
        let options = encoding.map { " ENCODING '\($0)' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'" } ?? ""
        try BlockingConnection(connectionString: server).execute("CREATE DATABASE \(name)\(options)")
        try createSchema()
    }

    /// The schema comes from the same migrations `leadsd migrate` runs (sql/, embedded).
    private func createSchema() throws {
        _ = try MigrationRunner().run(on: try connect())
    }

    func connect() throws -> BlockingConnection { try BlockingConnection(connectionString: url) }

    func drop() {
        guard let connection = try? BlockingConnection(connectionString: serverURL) else { return }
        _ = try? connection.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Swaps the database of a libpq URI.
    static func url(_ uri: String, database: String) throws -> String {
        guard let scheme = uri.range(of: "://") else { throw LeadsTestError("LEADSD_TEST_DATABASE_URL must be a URI") }
        let rest = uri[scheme.upperBound...]
        let query = rest.firstIndex(of: "?").map { String(rest[$0...]) } ?? ""
        let authority = rest.prefix { $0 != "?" }.prefix { $0 != "/" }
        return String(uri[..<scheme.upperBound]) + authority + "/" + database + query
    }
}

struct LeadsTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension BlockingConnection {
    /// The first column of the first row as text (test convenience).
    func scalar(_ sql: String, _ parameters: [PostgresParameter] = []) throws -> String? {
        try execute(sql, parameters).rows.first?.first?.string
    }
}
