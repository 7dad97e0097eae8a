#if canImport(Glibc)
import Glibc
#endif

/// sd_notify(3) without libsystemd: one datagram per state change to `NOTIFY_SOCKET`
/// (a path, or an abstract socket when it starts with `@`). Only the master notifies.
struct SystemdNotifier {
    private let address: [UInt8]
    /// Half of `WATCHDOG_USEC` in nanoseconds, when systemd asked for keep-alives.
    let watchdogInterval: UInt64?

    /// Reads and removes `NOTIFY_SOCKET`/`WATCHDOG_*` so that workers never talk to systemd.
    init?() {
        defer {
            unsetenv("NOTIFY_SOCKET")
            unsetenv("WATCHDOG_USEC")
            unsetenv("WATCHDOG_PID")
        }
        let watchdogPID = getenv("WATCHDOG_PID").flatMap { Int32(String(cString: $0)) }
        if let usec = getenv("WATCHDOG_USEC").flatMap({ UInt64(String(cString: $0)) }), usec > 0,
           watchdogPID == nil || watchdogPID == getpid() {
            watchdogInterval = usec * 1_000 / 2
        } else {
            watchdogInterval = nil
        }
        guard let path = getenv("NOTIFY_SOCKET").map({ Array(String(cString: $0).utf8) }), !path.isEmpty,
              path[0] == UInt8(ascii: "/") || path[0] == UInt8(ascii: "@")
        else { return nil }
        address = path
    }

    func notify(_ state: String) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var target = sockaddr_un()
        target.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: target.sun_path)
        guard address.count < capacity else { return }
        withUnsafeMutableBytes(of: &target.sun_path) { path in
            for (index, byte) in address.enumerated() { path[index] = byte }
            if address[0] == UInt8(ascii: "@") { path[0] = 0 }  // abstract namespace
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path) ?? 2
        // An abstract address is exactly its bytes long; a path one includes the NUL.
        let length = pathOffset + address.count + (address[0] == UInt8(ascii: "@") ? 0 : 1)
        let message = Array(state.utf8)
        _ = withUnsafePointer(to: &target) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), socketAddress, socklen_t(length)) }
            }
        }
    }

    func reloading() {
        notify("RELOADING=1\nMONOTONIC_USEC=\(Clock.monotonicNanoseconds() / 1_000)")
    }
}
