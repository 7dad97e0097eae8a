#if canImport(Glibc)
import Glibc
#endif

/// The listening sockets the master owns for its whole life and every worker inherits.
struct ListenSockets: Sendable {
    /// API sockets (TLS or plain, as configured); usually one.
    var api: [Int32]
    /// The `/metrics` socket (always plain HTTP, loopback by default); nil when off.
    var metrics: Int32?
    /// Sockets systemd passed are its business: a reload never replaces them.
    var apiActivated = false
    var metricsActivated = false

    /// Takes the sockets systemd passed (socket activation), else binds the configured ones.
    static func open(_ configuration: ServeConfiguration) throws(ConfigurationError) -> ListenSockets {
        var sockets = ListenSockets(api: [], metrics: nil)
        if let activated = try SocketActivation.take() {
            sockets.api = activated.api
            sockets.metrics = activated.metrics
            sockets.apiActivated = !activated.api.isEmpty
            sockets.metricsActivated = activated.metrics != nil
            MasterLog.info("socket_activation", [("api_fds", activated.api.map(String.init).joined(separator: ",")),
                                                   ("metrics_fd", activated.metrics.map(String.init) ?? "none")])
        }
        if sockets.api.isEmpty { sockets.api = [try bind(configuration.listen, backlog: configuration.backlog)] }
        if sockets.metrics == nil, let address = configuration.metricsListen {
            sockets.metrics = try bind(address, backlog: 128)
        }
        return sockets
    }

    /// The sockets for a reloaded configuration: a changed `--listen` or `--metrics-listen`
    /// is bound now (so that a failure fails the reload, not a worker); `retired` are the
    /// master's copies of the replaced ones, to close before the next fork.
    func rebound(from old: ServeConfiguration, to new: ServeConfiguration) throws(ConfigurationError) -> (sockets: ListenSockets, retired: [Int32]) {
        var next = self
        var retired: [Int32] = []
        if !apiActivated, new.listen != old.listen {
            next.api = [try Self.bind(new.listen, backlog: new.backlog)]
            retired += api
        }
        if !metricsActivated, new.metricsListen != old.metricsListen {
            do {
                next.metrics = try new.metricsListen.map { address throws(ConfigurationError) in try Self.bind(address, backlog: 128) }
            } catch {
                if next.api != api { next.api.forEach { close($0) } }
                throw error
            }
            if let metrics { retired.append(metrics) }
        }
        return (next, retired)
    }

    func closeAll() {
        for fd in api { close(fd) }
        if let metrics { close(metrics) }
    }

    static func bind(_ address: ListenAddress, backlog: Int) throws(ConfigurationError) -> Int32 {
        let domain = address.family == .ipv4 ? AF_INET : AF_INET6
        let fd = socket(domain, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ConfigurationError("socket(): \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let result: Int32
        if address.family == .ipv4 {
            var storage = sockaddr_in()
            storage.sin_family = sa_family_t(AF_INET)
            storage.sin_port = address.port.bigEndian
            inet_pton(AF_INET, address.host, &storage.sin_addr)
            result = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        } else {
            var zero: Int32 = 0
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &zero, socklen_t(MemoryLayout<Int32>.size))
            var storage = sockaddr_in6()
            storage.sin6_family = sa_family_t(AF_INET6)
            storage.sin6_port = address.port.bigEndian
            inet_pton(AF_INET6, address.host, &storage.sin6_addr)
            result = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ConfigurationError("cannot listen on \(address): \(reason)")
        }
        guard listen(fd, Int32(backlog)) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ConfigurationError("listen() on \(address): \(reason)")
        }
        return fd
    }

    /// The port a socket is bound to (tests bind port 0… and operators read the log).
    static func port(of fd: Int32) -> UInt16? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard ok == 0 else { return nil }
        let family = Int32(storage.ss_family)
        return withUnsafePointer(to: &storage) { pointer -> UInt16 in
            if family == AF_INET {
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
        }
    }
}
