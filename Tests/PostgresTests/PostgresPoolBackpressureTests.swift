import Foundation
import Postgres
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The pool refuses at once rather than letting work pile up or hang.
final class PostgresPoolBackpressureTests: XCTestCase {
    private static let double = PreparedStatement(name: "double", sql: "SELECT $1::int8 * 2")
    private static let sleep = PreparedStatement(name: "sleep", sql: "SELECT pg_sleep($1::float8)")

    func testFullQueueFailsAtOnceWithUnavailable() throws {
        let database = try TestDatabase(prefix: "pg_backpressure", migrate: false)
        defer { database.drop() }
        let harness = PoolHarness(PostgresConfiguration(
            connectionString: database.url, poolSize: 1, maxPendingBatches: 5, maxInFlightPerConnection: 1
        ), statements: [Self.double, Self.sleep])
        defer { harness.shutdown() }
        XCTAssertTrue(harness.waitUntilReady())

        // One slow batch occupies the only pipeline slot, five wait, the seventh is refused.
        var batches = [QueryBatch([Query(Self.sleep, ["0.5"])], isReadOnly: true)]
        batches += (0..<6).map { QueryBatch([Query(Self.double, [String($0)])], isReadOnly: true) }
        let results = try XCTUnwrap(harness.runAll(batches))
        XCTAssertEqual(harness.lastArrivalOrder.first, 6, "the refused batch is answered first, without waiting")
        XCTAssertEqual(results[6].error?.kind, .unavailable)
        for index in 0..<6 { XCTAssertNil(results[index].error, "batch \(index): \(results[index])") }
        XCTAssertEqual(results[5].rows?.first?.first?.int, 8)
        XCTAssertEqual(harness.stats.rejected, 1)
    }

    func testRefusedConnectionFailsFastAndNeverHangs() throws {
        let port = try Self.unusedPort()
        let harness = PoolHarness(PostgresConfiguration(
            connectionString: "host=127.0.0.1 port=\(port) user=postgres dbname=postgres sslmode=disable",
            poolSize: 2, reconnectInitialDelayMilliseconds: 20, reconnectMaxDelayMilliseconds: 200
        ), statements: [Self.double])
        defer { harness.shutdown() }

        var started = Date()
        let first = try XCTUnwrap(harness.run(QueryBatch([Query(Self.double, ["1"])], isReadOnly: true), seconds: 5))
        XCTAssertEqual(first.error?.kind, .unavailable, "\(first)")
        XCTAssertLessThan(Date().timeIntervalSince(started), 1)

        started = Date()
        let second = try XCTUnwrap(harness.run(QueryBatch([Query(Self.double, ["1"])], isReadOnly: false), seconds: 5))
        XCTAssertEqual(second.error?.kind, .unavailable)
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.25, "once the database refused, callers are refused at once")
        XCTAssertFalse(harness.isReady)
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertGreaterThanOrEqual(harness.stats.connectFailures, 4, "it keeps trying with backoff")
        XCTAssertEqual(harness.queue.sync { harness.pool.lastError?.kind }, .connect)
    }

    func testSilentServerHitsTheConnectTimeout() throws {
        // A socket that listens but never accepts: TCP connects, the startup packet is never answered.
        let listener = try Self.silentListener()
        defer { close(listener.descriptor) }
        let harness = PoolHarness(PostgresConfiguration(
            connectionString: "host=127.0.0.1 port=\(listener.port) user=postgres dbname=postgres sslmode=disable",
            poolSize: 1, connectTimeoutMilliseconds: 300
        ), statements: [Self.double])
        defer { harness.shutdown() }
        let started = Date()
        let result = try XCTUnwrap(harness.run(QueryBatch([Query(Self.double, ["1"])], isReadOnly: true), seconds: 5))
        XCTAssertEqual(result.error?.kind, .unavailable, "\(result)")
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertGreaterThan(elapsed, 0.25)
        XCTAssertLessThan(elapsed, 1.5)
    }

    func testMalformedConnectionStringIsUnavailableNotACrash() throws {
        let harness = PoolHarness(PostgresConfiguration(connectionString: "postgresql://[broken", poolSize: 1), statements: [])
        defer { harness.shutdown() }
        let result = try XCTUnwrap(harness.run(QueryBatch([], isReadOnly: true), seconds: 5))
        XCTAssertEqual(result.error?.kind, .unavailable)
        XCTAssertThrowsError(try ConnectionString.parse("postgresql://[broken"))
    }

    func testShutdownAnswersWhatIsInFlightThenRefuses() throws {
        let database = try TestDatabase(prefix: "pg_shutdown", migrate: false)
        defer { database.drop() }
        let harness = PoolHarness(PostgresConfiguration(connectionString: database.url, poolSize: 2), statements: [Self.sleep])
        XCTAssertTrue(harness.waitUntilReady())
        let answers = Locked<[Result<[QueryResult], PostgresError>]>([])
        let shutDown = DispatchSemaphore(value: 0)
        harness.queue.async { [pool = harness.pool] in
            for _ in 0..<5 {
                pool.run(QueryBatch([Query(Self.sleep, ["0.2"])], isReadOnly: true)) { result in answers.withValue { $0.append(result) } }
            }
            pool.shutdown { shutDown.signal() }
            pool.run(QueryBatch([Query(Self.sleep, ["0"])], isReadOnly: true)) { result in answers.withValue { $0.append(result) } }
        }
        XCTAssertEqual(shutDown.wait(timeout: .now() + 5), .success)
        let results = answers.current
        XCTAssertEqual(results.count, 6)
        XCTAssertEqual(results.first?.error?.kind, .unavailable, "a batch after shutdown began is refused")
        XCTAssertEqual(results.dropFirst().filter { $0.error == nil }.count, 5, "batches in flight are answered before shutdown completes")
        XCTAssertFalse(harness.isReady)
    }

    // MARK: Sockets on loopback

    static func unusedPort() throws -> Int {
        let listener = try silentListener()
        close(listener.descriptor)
        return listener.port
    }

    static func silentListener() throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw XCTSkip("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 16) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { close(descriptor); throw XCTSkip("bind() failed") }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }
}
