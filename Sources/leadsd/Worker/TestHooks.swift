#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import HTTP

/// Switches for the lifecycle tests, read from the environment. They exist because the
/// behaviour under test (crash loops, requests in flight during a drain) cannot be provoked
/// from outside a healthy daemon. Only debug builds (the ones `swift test` runs) read them:
/// a release binary has no test route and no way to be told to crash.
enum TestHooks {
    #if DEBUG
    /// `LEADSD_TEST_WORKER_EXIT=1`: every worker exits with status 3 as soon as it starts.
    static var workerExitsAtStart: Bool { getenv("LEADSD_TEST_WORKER_EXIT").map { String(cString: $0) == "1" } ?? false }

    /// `LEADSD_TEST_HOOKS=1`: adds `GET /__test/sleep/{ms}` (answers 200 after ms, at most 60 s).
    static var routesEnabled: Bool { getenv("LEADSD_TEST_HOOKS").map { String(cString: $0) == "1" } ?? false }

    /// `LEADSD_TEST_STARTUP_WAIT_MS=N`: the master waits N ms (not 60 s) for its first workers
    /// before it decides whether the start stalled.
    static var startupWaitNanoseconds: UInt64? {
        getenv("LEADSD_TEST_STARTUP_WAIT_MS").flatMap { UInt64(String(cString: $0)) }.map { $0 * 1_000_000 }
    }
    #else
    static let workerExitsAtStart = false
    static let routesEnabled = false
    static let startupWaitNanoseconds: UInt64? = nil
    #endif
}

/// The API responder with the test routes in front of it.
final class TestHookResponder: HTTPResponder {
    private let inner: HTTPResponder
    private let queue: DispatchQueue

    init(wrapping inner: HTTPResponder, queue: DispatchQueue) {
        self.inner = inner
        self.queue = queue
    }

    var isReady: Bool { inner.isReady }

    func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
        let prefix = "/__test/sleep/"
        guard request.path.hasPrefix(prefix), let millis = Int(request.path.dropFirst(prefix.count)), (0...60_000).contains(millis) else {
            inner.handle(request, respond: respond)
            return
        }
        let reply = QueueConfined(respond)
        queue.asyncAfter(deadline: .now() + .milliseconds(millis)) {
            reply.value(.json(200, Array("{\"slept_ms\":\(millis)}".utf8), route: "/__test/sleep/{ms}"))
        }
    }
}

/// Carries a value that is only ever used on the worker's serial queue into a closure the
/// compiler treats as concurrent (`asyncAfter`, event handlers). Safe because the closure
/// runs on that same queue.
struct QueueConfined<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
