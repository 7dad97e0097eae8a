import Dispatch
import Foundation
import XCTest
@testable import HTTP
import TLS
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// An application for the server tests: `/echo` describes the request, `/delay?ms=N` answers
/// later, `/empty` is 204, `/body` returns the request body, `/big?n=N` returns N bytes.
final class TestResponder: HTTPResponder {
    let queue: DispatchQueue
    var isReady = true
    var seenPaths: [String] = []

    init(queue: DispatchQueue) { self.queue = queue }

    func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
        seenPaths.append(request.path)
        let query = request.query ?? ""
        func number(_ name: String) -> Int {
            for pair in query.split(separator: "&") where pair.hasPrefix(name + "=") { return Int(pair.dropFirst(name.count + 1)) ?? 0 }
            return 0
        }
        switch request.path {
        case "/echo":
            var body = Array("{\"method\":".utf8)
            JSONEscaping.appendString(request.method.utf8, to: &body)
            for (key, value) in [("path", request.path), ("client", request.clientAddress), ("scheme", request.scheme),
                                 ("host", request.host), ("requestId", request.requestID), ("bodyLength", String(request.body.count))] {
                body += Array(",\"\(key)\":".utf8)
                JSONEscaping.appendString(value.utf8, to: &body)
            }
            body += Array("}".utf8)
            respond(.json(200, body, route: "/echo"))
        case "/delay":
            let confined = QueueConfined(respond)
            let path = request.path
            queue.asyncAfter(deadline: .now() + .milliseconds(number("ms"))) {
                confined.value(.json(200, Array("{\"path\":\"\(path)\",\"query\":\"\(query)\"}".utf8), route: "/delay"))
            }
        case "/empty":
            respond(HTTPResponse(status: 204, route: "/empty"))
        case "/body":
            respond(.json(200, request.body, route: "/body"))
        case "/big":
            respond(.json(200, Array(repeating: UInt8(ascii: "x"), count: number("n")), route: "/big"))
        default:
            respond(.message(404, "The route \(request.path.dropFirst()) could not be found."))
        }
    }
}

/// An HTTPServer on its own serial queue, listening on 127.0.0.1 on a free port.
final class RunningServer: @unchecked Sendable {
    // @unchecked Sendable: server, responder and records are touched only on `queue`.
    let queue = DispatchQueue(label: "test-worker")
    private(set) var server: HTTPServer!
    private(set) var responder: TestResponder!
    let port: UInt16
    private var recordList: [RequestRecord] = []
    private var failureList: [ConnectionFailure] = []

    init(configuration: HTTPServerConfiguration = HTTPServerConfiguration(), tls: TLSContext? = nil, proxyProtocol: Bool = false) throws {
        let (fd, port) = try Self.listen()
        self.port = port
        queue.sync {
            let responder = TestResponder(queue: queue)
            let server = HTTPServer(queue: queue, configuration: configuration)
            server.onRequestCompleted = { [unowned self] in self.recordList.append($0) }
            server.onConnectionFailed = { [unowned self] in self.failureList.append($0) }
            server.addListener(HTTPListener(fd: fd, tls: tls, responder: responder, proxyProtocol: proxyProtocol))
            server.start()
            self.server = server
            self.responder = responder
        }
    }

    var records: [RequestRecord] { queue.sync { recordList } }
    var failures: [ConnectionFailure] { queue.sync { failureList } }
    var connectionCount: Int { queue.sync { server.connectionCount } }

    func setReady(_ ready: Bool) { queue.sync { responder.isReady = ready } }

    func stop() { queue.sync { server.stop() } }

    static func listen() throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, Glibc.listen(fd, 1024) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, UInt16(bigEndian: address.sin_port))
    }
}

struct TestResponse {
    var status: Int
    var statusLine: String
    var headers: [(String, String)]
    var body: String

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}

/// A blocking loopback client speaking raw bytes, with a receive timeout so no test hangs.
final class RawClient {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: UInt16, timeout: Double = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { Glibc.close(fd); throw POSIXError(.ECONNREFUSED) }
        setTimeout(timeout)
    }

    deinit { Glibc.close(fd) }

    func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// Reads more bytes; false on EOF, error or timeout.
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return false }
        buffer += chunk[0..<n]
        return true
    }

    /// Exactly `count` raw bytes (for interim responses).
    func readBytes(_ count: Int) -> String? {
        while buffer.count < count { guard fill() else { return nil } }
        let text = String(decoding: buffer[0..<count], as: UTF8.self)
        buffer.removeFirst(count)
        return text
    }

    func readResponse(head: Bool = false) -> TestResponse? {
        while true {
            if let end = findHeadEnd() {
                let headText = String(decoding: buffer[0..<end], as: UTF8.self)
                var lines = headText.components(separatedBy: "\r\n")
                let statusLine = lines.removeFirst()
                let status = Int(statusLine.split(separator: " ")[1]) ?? 0
                let headers = lines.map { line -> (String, String) in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    return (String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
                }
                let response = TestResponse(status: status, statusLine: statusLine, headers: headers, body: "")
                let length = head ? 0 : Int(response.header("content-length") ?? "0") ?? 0
                while buffer.count < end + 4 + length { guard fill() else { return nil } }
                var result = response
                result.body = String(decoding: buffer[(end + 4)..<(end + 4 + length)], as: UTF8.self)
                buffer.removeFirst(end + 4 + length)
                return result
            }
            guard fill() else { return nil }
        }
    }

    /// True when the server closed the connection (EOF or reset) within the timeout.
    func waitForClose() -> Bool {
        while true {
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { buffer += chunk[0..<n]; continue }
            if n == 0 { return true }
            return errno == ECONNRESET
        }
    }

    var pendingBytes: Int { buffer.count }

    private func findHeadEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for index in 0...(buffer.count - 4) where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
            return index
        }
        return nil
    }
}

/// A self-signed P-256 certificate for localhost/127.0.0.1 in a fresh directory.
func makeCertificate() throws -> (directory: String, cert: String, key: String) {
    let certificate = try TestCertificate(commonName: "localhost")
    return (certificate.directory, certificate.path, certificate.keyPath)
}
