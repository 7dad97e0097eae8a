import Foundation
import TestSupport

/// Where a daemon listens and which certificate it presents: what a thread needs to open its
/// own client (HTTPSClient itself belongs to one thread).
struct DaemonAddress: Sendable {
    let port: UInt16
    let certificate: String

    func client(from source: String? = nil) throws -> HTTPSClient {
        try HTTPSClient(port: port, trustedCertificate: certificate, sourceAddress: source)
    }
}

extension EndToEndDaemon {
    var address: DaemonAddress { DaemonAddress(port: port, certificate: certificate.path) }
}

/// Runs `work` on `count` threads of their own. Each calls `barrier()` once it is ready (its
/// connection made and the TLS handshake done); no thread goes on until all are ready, so the
/// requests that follow really are concurrent. Returns the results in index order.
func inParallel<T: Sendable>(_ count: Int, timeout: TimeInterval = 120,
                             _ work: @escaping @Sendable (_ index: Int, _ barrier: @Sendable () -> Void) -> T) -> [T?] {
    let results = LockedArray<T?>(repeating: nil, count: count)
    let ready = DispatchSemaphore(value: 0)
    let go = DispatchSemaphore(value: 0)
    let done = DispatchGroup()
    for index in 0..<count {
        done.enter()
        let thread = Thread {
            let arrived = LockedArray<Bool>(repeating: false, count: 1)
            let result = work(index) {
                arrived.set(0, true)
                ready.signal()
                go.wait()
            }
            // A thread that failed before its barrier still counts as arrived.
            if !arrived.values[0] { ready.signal() }
            results.set(index, result)
            done.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    var arrived = 0
    let deadline = Date().addingTimeInterval(timeout / 2)
    while arrived < count, Date() < deadline {
        if ready.wait(timeout: .now() + .milliseconds(100)) == .success { arrived += 1 }
    }
    for _ in 0..<count { go.signal() }
    _ = done.wait(timeout: .now() + timeout)
    return results.values
}

/// An array written from several threads.
final class LockedArray<T: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: every access holds the lock.
    private let lock = NSLock()
    private var storage: [T]

    init(repeating value: T, count: Int) { storage = Array(repeating: value, count: count) }

    func set(_ index: Int, _ value: T) {
        lock.lock()
        storage[index] = value
        lock.unlock()
    }

    var values: [T] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
