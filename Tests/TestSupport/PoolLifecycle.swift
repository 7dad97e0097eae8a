import Dispatch
import Foundation
import Postgres

/// Starting and stopping a pool from a test thread: the pool lives on its worker queue, so
/// every call hops onto that queue, as a worker's own code would run there.
extension PostgresPool {
    /// Starts the pool and waits until a connection is up; false after `seconds`.
    public func startAndWaitUntilReady(on queue: DispatchQueue, seconds: Double = 10) -> Bool {
        queue.sync { start() }
        return waitUntilReady(on: queue, seconds: seconds)
    }

    /// Polls until the started pool has a connection up; false after `seconds`.
    public func waitUntilReady(on queue: DispatchQueue, seconds: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !queue.sync(execute: { isReady }) {
            guard Date() < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return true
    }

    /// Shuts the pool down; false if that took longer than `seconds`.
    @discardableResult
    public func shutdownAndWait(on queue: DispatchQueue, seconds: Double = 10) -> Bool {
        let done = DispatchSemaphore(value: 0)
        queue.async { self.shutdown { done.signal() } }
        return done.wait(timeout: .now() + seconds) == .success
    }
}
