import Foundation
import TestSupport

/// Requests sent back to back from a background thread while a test does something to the
/// daemon; counts what succeeded and what failed. Bounded: it stops when told or after
/// `maximumRequests`.
final class LifecycleClientLoop: @unchecked Sendable {
    // Sendable: counters are guarded by `lock`; `port` and `path` never change.
    private let lock = NSLock()
    private var successes = 0
    private var failures: [String] = []
    private var stopRequested = false
    private let finished = DispatchSemaphore(value: 0)
    private let port: UInt16
    private let path: String
    private let maximumRequests: Int

    private let keepAlive: Bool

    /// `keepAlive`: each client reuses its connection (LifecycleKeepAliveClient) instead of
    /// one connection per request.
    init(port: UInt16, path: String = "/healthz", keepAlive: Bool = false, maximumRequests: Int = 200_000) {
        self.port = port
        self.path = path
        self.keepAlive = keepAlive
        self.maximumRequests = maximumRequests
    }

    func start(clients: Int = 2) {
        for _ in 0..<clients {
            Thread { [self] in
                let client = self.keepAlive ? LifecycleKeepAliveClient(port: self.port) : nil
                for _ in 0..<self.maximumRequests {
                    if self.lock.withLock({ self.stopRequested }) { break }
                    let status = client.map { $0.get(self.path) } ?? DaemonProcess.request(port: self.port, path: self.path, timeout: 10)?.status
                    self.lock.withLock {
                        if status == 200 { self.successes += 1 } else {
                            self.failures.append(status.map { "status \($0)" } ?? "no response")
                        }
                    }
                }
                self.finished.signal()
            }.start()
        }
        startedClients = clients
    }

    private var startedClients = 0

    /// Stops and returns (successes, failure descriptions).
    func stop() -> (successes: Int, failures: [String]) {
        lock.withLock { stopRequested = true }
        for _ in 0..<startedClients { finished.wait() }
        return lock.withLock { (successes, failures) }
    }

    var successCount: Int { lock.withLock { successes } }
}
