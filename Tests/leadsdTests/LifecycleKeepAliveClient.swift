#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A keep-alive HTTP/1.1 client over one loopback connection at a time, as HTTP libraries
/// behave: requests reuse the connection until the server says `Connection: close` (or
/// closes it after a complete response), then a new one is opened. It does not retry: a
/// request that fails on a reused connection counts as a failure.
final class LifecycleKeepAliveClient {
    private let port: UInt16
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []

    init(port: UInt16) { self.port = port }

    deinit { if fd >= 0 { close(fd) } }

    /// The status of one `GET path`, or nil when the exchange failed.
    func get(_ path: String) -> Int? {
        if fd < 0, !connect() { return nil }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            return drop()
        }
        guard let headEnd = readUntilHeadEnd() else { return drop() }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else { return drop() }
        var length = 0
        var closing = false
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard parts.count == 2 else { continue }
            if parts[0] == "content-length" { length = Int(parts[1]) ?? 0 }
            if parts[0] == "connection", parts[1] == "close" { closing = true }
        }
        while buffer.count < length {
            guard readMore() else { return drop() }
        }
        buffer.removeFirst(length)
        if closing { _ = drop() }
        return status
    }

    private func drop() -> Int? {
        if fd >= 0 { close(fd) }
        fd = -1
        buffer.removeAll()
        return nil
    }

    private func connect() -> Bool {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var limit = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result != 0 { _ = drop() }
        return result == 0
    }

    private func readUntilHeadEnd() -> Int? {
        while true {
            if buffer.count >= 4 {
                for index in 0...(buffer.count - 4) where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
                    return index
                }
            }
            guard readMore() else { return nil }
        }
    }

    private func readMore() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        buffer += chunk[0..<count]
        return true
    }
}
