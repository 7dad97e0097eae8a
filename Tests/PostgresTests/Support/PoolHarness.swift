import Dispatch
import Foundation
import Postgres
import TestSupport
import XCTest

/// A pool on its own serial queue, driven from the test thread with bounded waits.
final class PoolHarness: @unchecked Sendable {
    // @unchecked Sendable: `pool` is only touched on `queue` (through queue.sync/async).
    let queue = DispatchQueue(label: "postgres-tests.worker")
    let pool: PostgresPool

    init(_ configuration: PostgresConfiguration, statements: [PreparedStatement]) {
        pool = PostgresPool(configuration: configuration, statements: statements, queue: queue)
        queue.sync { pool.start() }
    }

    var isReady: Bool { queue.sync { pool.isReady } }
    var stats: PostgresPoolStats { queue.sync { pool.stats } }
    var backendProcessIDs: [Int32] { queue.sync { pool.backendProcessIDs } }

    /// Polls until the pool is ready or `seconds` pass.
    @discardableResult
    func waitUntilReady(seconds: Double = 10) -> Bool {
        pool.waitUntilReady(on: queue, seconds: seconds)
    }

    /// Polls until `count` connections are up or `seconds` pass.
    @discardableResult
    func waitForConnections(_ count: Int, seconds: Double = 10) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while stats.connectionsUp < count {
            guard Date() < end else { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return true
    }

    /// Runs one batch and waits for its answer; nil if none came within `seconds`.
    func run(_ batch: QueryBatch, seconds: Double = 10) -> Result<[QueryResult], PostgresError>? {
        runAll([batch], seconds: seconds)?.first
    }

    /// Submits every batch in one turn of the queue (so they are pipelined together) and
    /// waits for all answers; returns them in submission order, with the order of arrival.
    func runAll(_ batches: [QueryBatch], seconds: Double = 20) -> [Result<[QueryResult], PostgresError>]? {
        let answers = Locked<[Int: Result<[QueryResult], PostgresError>]>([:])
        let arrival = Locked<[Int]>([])
        let done = DispatchSemaphore(value: 0)
        queue.async { [pool] in
            for (index, batch) in batches.enumerated() {
                pool.run(batch) { result in
                    let count = answers.withValue { answers -> Int in
                        answers[index] = result
                        return answers.count
                    }
                    arrival.withValue { $0.append(index) }
                    if count == batches.count { done.signal() }
                }
            }
        }
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        lastArrivalOrder = arrival.current
        let all = answers.current
        return batches.indices.map { all[$0]! }
    }

    private(set) var lastArrivalOrder: [Int] = []

    /// Shuts the pool down; false if that took longer than `seconds`.
    @discardableResult
    func shutdown(seconds: Double = 10) -> Bool {
        pool.shutdownAndWait(on: queue, seconds: seconds)
    }
}

extension Result where Success == [QueryResult], Failure == PostgresError {
    var error: PostgresError? {
        if case .failure(let error) = self { return error }
        return nil
    }

    var rows: [[PostgresCell]]? {
        if case .success(let results) = self { return results.last?.rows }
        return nil
    }
}
