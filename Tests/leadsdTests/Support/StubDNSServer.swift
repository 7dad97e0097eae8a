#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A DNS server on a loopback address's port 53 (UDP) that knows one name: it answers A
/// queries for it with 127.0.0.1, AAAA with no address, other names with NXDOMAIN, each after
/// `delay` seconds, so a test can make one resolver slow. A process whose /etc/resolv.conf
/// names `address` (a private mount namespace, see `resolvConf`) resolves through it.
/// Binding port 53 takes root (CAP_NET_BIND_SERVICE).
final class StubDNSServer: @unchecked Sendable {
    // Sendable: `lock` guards the mutable state shared with the serving thread.
    let address: String
    let name: String
    private let fd: Int32
    private let lock = NSLock()
    private var delaySeconds = 0.0
    private var queries: [(name: String, type: UInt16, at: Date)] = []
    private var answered = 0
    private var stopped = false

    init(name: String) throws {
        self.name = name.lowercased()
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        // Some 127.x.y.z of its own: other tests may run a stub at the same time.
        var bound = ""
        for _ in 0..<20 {
            let candidate = "127.\(UInt8.random(in: 1...254)).\(UInt8.random(in: 1...254)).\(UInt8.random(in: 1...254))"
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_port = UInt16(53).bigEndian
            local.sin_addr.s_addr = inet_addr(candidate)
            let result = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if result == 0 { bound = candidate; break }
            if errno == EACCES { break }
        }
        guard !bound.isEmpty else {
            close(descriptor)
            throw StubFailure("cannot bind a stub DNS server on 127.x.y.z:53 (\(String(cString: strerror(errno)))); this test needs root")
        }
        address = bound
        fd = descriptor
        var limit = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    deinit { close(fd) }

    func stop() { lock.withLock { stopped = true } }

    var delay: Double {
        get { lock.withLock { delaySeconds } }
        set { lock.withLock { delaySeconds = newValue } }
    }

    /// Queries for the name received so far, and answers sent.
    var queryCount: Int { lock.withLock { queries.filter { $0.name == name }.count } }
    var answerCount: Int { lock.withLock { answered } }

    /// A resolv.conf naming this server (one attempt, a timeout longer than any delay).
    func resolvConf(at path: String) throws {
        try "nameserver \(address)\noptions timeout:30 attempts:1\n".write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func serve() {
        var buffer = [UInt8](repeating: 0, count: 1500)
        while !lock.withLock({ stopped }) {
            var peer = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, raw.baseAddress, raw.count, 0, $0, &length) }
                }
            }
            guard count > 12, let (queried, type, questionEnd) = Self.question(buffer, count: count) else { continue }
            let (delay, known) = lock.withLock { () -> (Double, Bool) in
                queries.append((queried, type, Date()))
                return (delaySeconds, queried == name)
            }
            let reply = Self.reply(to: Array(buffer[0..<questionEnd]), known: known, type: type)
            let peerCopy = peer
            let peerLength = length
            let socketFD = fd
            DispatchQueue.global().asyncAfter(deadline: .now() + delay) { [self] in
                var target = peerCopy
                _ = reply.withUnsafeBytes { raw in
                    withUnsafePointer(to: &target) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(socketFD, raw.baseAddress, raw.count, 0, $0, peerLength) }
                    }
                }
                lock.withLock { answered += 1 }
            }
        }
    }

    /// The question's name (lowercased), type, and where the question section ends.
    private static func question(_ packet: [UInt8], count: Int) -> (String, UInt16, Int)? {
        var index = 12
        var labels: [String] = []
        while index < count {
            let length = Int(packet[index])
            if length == 0 { index += 1; break }
            guard length < 64, index + 1 + length <= count else { return nil }
            labels.append(String(decoding: packet[(index + 1)...(index + length)], as: UTF8.self).lowercased())
            index += 1 + length
        }
        guard index + 4 <= count else { return nil }
        let type = UInt16(packet[index]) << 8 | UInt16(packet[index + 1])
        return (labels.joined(separator: "."), type, index + 4)
    }

    /// Header and question of the query, flags of an answer, and for a known name's A query
    /// one record 127.0.0.1 (TTL 0); anything else of the known name has no record (NOERROR),
    /// other names are NXDOMAIN. Additional records of the query are not echoed.
    private static func reply(to query: [UInt8], known: Bool, type: UInt16) -> [UInt8] {
        var reply = query
        let answers: UInt16 = known && type == 1 ? 1 : 0
        reply[2] = 0x81 | (query[2] & 0x01)  // QR, opcode 0, RD as asked
        reply[3] = known ? 0x80 : 0x83       // RA; NOERROR or NXDOMAIN
        reply[4] = 0; reply[5] = 1           // one question
        reply[6] = 0; reply[7] = UInt8(answers)
        reply[8] = 0; reply[9] = 0; reply[10] = 0; reply[11] = 0
        if answers == 1 {
            reply += [0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x04, 127, 0, 0, 1]
        }
        return reply
    }
}

struct StubFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
