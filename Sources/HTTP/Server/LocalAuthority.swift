#if canImport(Glibc)
import Glibc
#endif

/// The `address:port` a connection was accepted on, as a Host for requests that carry none
/// (HTTP/1.0 may omit it): URLs built from the Host (pagination links) stay absolute.
enum LocalAuthority {
    static func of(socket fd: Int32) -> String {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard status == 0 else { return "localhost" }
        switch Int32(storage.ss_family) {
        case AF_INET:
            let address = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee } }
            let ip = withUnsafeBytes(of: address.sin_addr) { IPAddress(bytes: Array($0)) }
            return (ip?.description ?? "localhost") + ":" + String(UInt16(bigEndian: address.sin_port))
        case AF_INET6:
            let address = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee } }
            guard let ip = withUnsafeBytes(of: address.sin6_addr, { IPAddress(bytes: Array($0)) }) else { return "localhost" }
            let port = String(UInt16(bigEndian: address.sin6_port))
            // An IPv4-mapped address reads as IPv4, which takes no brackets.
            return ip.isIPv4 ? "\(ip):\(port)" : "[\(ip)]:\(port)"
        default:
            return "localhost"  // a Unix socket (socket activation)
        }
    }
}
