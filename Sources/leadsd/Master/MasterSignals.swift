#if canImport(Glibc)
import Glibc
#endif

/// The master takes every signal it cares about synchronously: they stay blocked, and the
/// loop collects them with `sigtimedwait`, so there is no handler and no async-signal trap.
enum MasterSignals {
    /// Sent by a worker to the master once it accepts connections (a realtime signal: they
    /// queue, so two workers ready at once are two signals, and `si_pid` says who).
    static var workerReady: Int32 { __libc_current_sigrtmin() }

    static var handled: [Int32] { [SIGCHLD, SIGTERM, SIGINT, SIGHUP, workerReady] }

    static func blockHandled() {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in handled { sigaddset(&set, signal) }
        sigprocmask(SIG_BLOCK, &set, nil)
    }

    /// Waits at most `timeout` nanoseconds; nil on timeout.
    static func wait(timeout: UInt64) -> siginfo_t? {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in handled { sigaddset(&set, signal) }
        var info = siginfo_t()
        var limit = timespec(tv_sec: Int(timeout / 1_000_000_000), tv_nsec: Int(timeout % 1_000_000_000))
        let received = sigtimedwait(&set, &info, &limit)
        return received > 0 ? info : nil
    }
}
