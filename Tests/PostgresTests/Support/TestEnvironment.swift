import Foundation
import Postgres
import XCTest

/// Where the PostgreSQL tests may create databases: `LEADSD_TEST_DATABASE_URL`.
enum TestEnvironment {
    static func adminConnectionString(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let url = ProcessInfo.processInfo.environment["LEADSD_TEST_DATABASE_URL"], !url.isEmpty else {
            XCTFail("LEADSD_TEST_DATABASE_URL is not set: point it at a PostgreSQL server where tests may CREATE DATABASE, e.g. postgresql://postgres@127.0.0.1:54329/postgres", file: file, line: line)
            throw XCTSkip("LEADSD_TEST_DATABASE_URL is not set")
        }
        return url
    }
}

/// A database made for one test and dropped after it.
final class ScratchDatabase {
    let name: String
    let connectionString: String
    private let adminConnectionString: String

    init(prefix: String) throws {
        adminConnectionString = try TestEnvironment.adminConnectionString()
        name = "postgres_\(prefix)_\(UInt32.random(in: 0...UInt32.max))".lowercased()
        let admin = try BlockingConnection(connectionString: adminConnectionString)
        try admin.execute("CREATE DATABASE \(name)")
        admin.close()
        connectionString = try ConnectionString.replacingDatabase(in: adminConnectionString, with: name)
    }

    func connect() throws -> BlockingConnection {
        try BlockingConnection(connectionString: connectionString)
    }

    func drop() {
        guard let admin = try? BlockingConnection(connectionString: adminConnectionString) else { return }
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        admin.close()
    }
}

/// A value shared between the test thread and the pool's queue.
final class Locked<Value>: @unchecked Sendable {
    // @unchecked Sendable: every access goes through `lock`.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withValue<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }

    var current: Value { withValue { $0 } }
}
