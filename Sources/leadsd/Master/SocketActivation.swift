#if canImport(Glibc)
import Glibc
#endif

/// systemd socket activation (sd_listen_fds(3)): `LISTEN_PID` names us, `LISTEN_FDS` counts
/// the sockets from fd 3, `LISTEN_FDNAMES` names them (`FileDescriptorName=`). A socket named
/// `metrics` serves /metrics; every other one serves the API.
enum SocketActivation {
    static let firstDescriptor: Int32 = 3

    static func take() throws(ConfigurationError) -> (api: [Int32], metrics: Int32?)? {
        defer {
            // Consumed: no child may believe these again.
            unsetenv("LISTEN_PID")
            unsetenv("LISTEN_FDS")
            unsetenv("LISTEN_FDNAMES")
        }
        guard let pidText = getenv("LISTEN_PID").map({ String(cString: $0) }), let pid = Int32(pidText), pid == getpid(),
              let countText = getenv("LISTEN_FDS").map({ String(cString: $0) }), let count = Int32(countText), count > 0
        else { return nil }
        guard count <= 64 else { throw ConfigurationError("LISTEN_FDS=\(count) is implausible") }
        let names = getenv("LISTEN_FDNAMES").map { String(cString: $0).split(separator: ":", omittingEmptySubsequences: false).map(String.init) } ?? []
        var api: [Int32] = []
        var metrics: Int32?
        for index in 0..<count {
            let fd = firstDescriptor + index
            var accepting: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0, accepting == 1 else {
                throw ConfigurationError("socket activation: fd \(fd) is not a listening stream socket")
            }
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            if Int(index) < names.count, names[Int(index)] == "metrics", metrics == nil {
                metrics = fd
            } else {
                api.append(fd)
            }
        }
        return (api, metrics)
    }
}
