#if canImport(Glibc)
import Glibc
#endif

/// What the master knows of one worker process.
struct WorkerRecord {
    enum State { case starting, ready, draining }
    let pid: pid_t
    let slot: Int
    let generation: Int
    let startedAt: UInt64
    var state: State
    /// When draining: the monotonic time after which it is killed.
    var killAt: UInt64?
}
