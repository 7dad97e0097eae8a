import COpenSSL
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One HTTP/1.1 answer as a client sees it.
public struct HTTPSResponse: Sendable {
    public let status: Int
    /// Fields in the order they came, names as sent.
    public let headers: [HTTPField]
    public let body: [UInt8]

    public struct HTTPField: Sendable, Equatable {
        public let name: String
        public let value: String
    }

    /// The last value of a field, by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.last { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    public func headers(named name: String) -> [String] {
        headers.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
    /// The body parsed by Foundation's strict JSON parser (nil when it is not valid JSON).
    public var json: Any? { try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
    public var object: [String: Any] { json as? [String: Any] ?? [:] }
    public var data: [String: Any] { object["data"] as? [String: Any] ?? [:] }
    public var message: String? { object["message"] as? String }
    public var errors: [String: [String]] { object["errors"] as? [String: [String]] ?? [:] }
}

/// A small blocking HTTPS/1.1 client over OpenSSL for end-to-end tests: one connection at a
/// time, kept alive between requests until the server closes it (then a new one is opened),
/// responses read by `Content-Length` or chunked, and raw bytes for malformed-HTTP tests.
///
/// Verifies the server's certificate against `trustedCertificate` (the test's self-signed one)
/// and its IP address, so a test talks to the daemon it started and nothing else. Not
/// thread-safe: one client per thread.
public final class HTTPSClient {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public let host: String
    public let port: UInt16
    /// The local address to connect from (any 127.0.0.0/8 address on loopback), so tests can
    /// be different clients to the daemon's per-IP limits and trusted-proxy list.
    public let sourceAddress: String?
    public let timeout: TimeInterval
    /// How many TCP+TLS connections this client opened (keep-alive reuse shows here).
    public private(set) var connectionsOpened = 0
    /// Bytes written on every new TCP connection before the TLS handshake: a PROXY protocol
    /// header, as a load balancer sends it.
    public var proxyHeader: [UInt8]?
    /// Whether the last exchange left the connection open for the next request.
    public var isConnected: Bool { ssl != nil }

    private let context: OpaquePointer
    private var fd: Int32 = -1
    private var ssl: OpaquePointer?
    private var buffer: [UInt8] = []

    /// SIGPIPE would kill the test process when the server closed a connection first.
    private static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// A TLS session to offer on the next new connection (resumption), and whether the last
    /// handshake resumed one.
    public var offeredSession: TLSSession?
    public private(set) var sessionReused = false

    public enum TLSVersion: Sendable {
        case tls12, tls13
        var code: Int32 { self == .tls12 ? TLS1_2_VERSION : TLS1_3_VERSION }
    }

    /// `maximumTLSVersion`: `.tls12` to insist on TLS 1.2.
    public init(host: String = "127.0.0.1", port: UInt16, trustedCertificate: String?, sourceAddress: String? = nil,
                maximumTLSVersion: TLSVersion? = nil, timeout: TimeInterval = 20) throws {
        _ = Self.ignoreSIGPIPE
        self.host = host
        self.port = port
        self.sourceAddress = sourceAddress
        self.timeout = timeout
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw Failure("SSL_CTX_new failed") }
        self.context = context
        if let maximumTLSVersion { _ = leadsd_SSL_CTX_set_max_proto_version(context, maximumTLSVersion.code) }
        if let trustedCertificate {
            guard SSL_CTX_load_verify_locations(context, trustedCertificate, nil) == 1 else {
                SSL_CTX_free(context)
                throw Failure("cannot load \(trustedCertificate)")
            }
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        }
    }

    deinit {
        close()
        SSL_CTX_free(context)
    }

    /// Closes the connection (with a TLS close_notify); the next request opens a new one.
    public func close() {
        if let ssl {
            SSL_shutdown(ssl)
            SSL_free(ssl)
        }
        ssl = nil
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        buffer.removeAll()
    }

    // MARK: Requests

    /// Sends one request and reads its response. Adds `Host` (unless given) and, with a body,
    /// `Content-Length`. A request on a kept-alive connection that the server had already
    /// closed is sent once more on a new connection, as HTTP clients do.
    public func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8]? = nil) throws -> HTTPSResponse {
        var head = "\(method) \(target) HTTP/1.1\r\n"
        if !headers.contains(where: { $0.0.lowercased() == "host" }) { head += "Host: \(host):\(port)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body, !headers.contains(where: { ["content-length", "transfer-encoding"].contains($0.0.lowercased()) }) {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        let bytes = Array(head.utf8) + (body ?? [])
        let reused = ssl != nil
        do {
            try send(bytes)
            return try readResponse(method: method)
        } catch let error as Failure where reused && error.description.hasPrefix("closed") {
            close()
            try send(bytes)
            return try readResponse(method: method)
        }
    }

    /// Sends bytes as they are (on the current connection, or a new one).
    public func send(_ bytes: [UInt8]) throws {
        if ssl == nil { try connect() }
        guard let ssl else { throw Failure("not connected") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress! + offset, Int32(min($0.count - offset, 1 << 20))) }
            guard written > 0 else {
                let reason = errorDescription(ssl, written)
                close()
                throw Failure("closed while writing: \(reason)")
            }
            offset += Int(written)
        }
    }

    /// Reads one response. `method` HEAD means no body whatever the headers say.
    public func readResponse(method: String = "GET") throws -> HTTPSResponse {
        guard let headEnd = try readUntilHeadEnd() else { close(); throw Failure("closed before a response") }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            close()
            throw Failure("not an HTTP status line: \(statusLine)")
        }
        var fields: [HTTPSResponse.HTTPField] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields.append(.init(name: String(line[..<colon]),
                                value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let response = { (body: [UInt8]) in HTTPSResponse(status: status, headers: fields, body: body) }
        let field = { (name: String) in fields.last { $0.name.lowercased() == name }?.value }
        var body: [UInt8] = []
        let bodiless = method == "HEAD" || status == 204 || status == 304 || (100..<200).contains(status)
        if bodiless {
            // No body.
        } else if field("transfer-encoding")?.lowercased() == "chunked" {
            body = try readChunked()
        } else if let lengthText = field("content-length") {
            guard let length = Int(lengthText), length >= 0 else { close(); throw Failure("bad Content-Length \(lengthText)") }
            while buffer.count < length {
                guard try readMore() else { close(); throw Failure("closed inside a body") }
            }
            body = Array(buffer[..<length])
            buffer.removeFirst(length)
        } else {
            while try readMore() {}
            body = buffer
            buffer.removeAll()
            close()
        }
        if field("connection")?.lowercased() == "close" { close() }
        return response(body)
    }

    /// Everything the server sends until it closes the connection (for malformed requests).
    public func readUntilClosed() throws -> [UInt8] {
        while try readMore() {}
        let all = buffer
        close()
        return all
    }

    // MARK: Reading

    private func readUntilHeadEnd() throws -> Int? {
        var searched = 0
        while true {
            if buffer.count >= 4 {
                for index in max(0, searched - 3)...(buffer.count - 4)
                where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
                    return index
                }
                searched = buffer.count
            }
            guard try readMore() else { return nil }
        }
    }

    private func readChunked() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let line = try readLine()
            let sizeText = line.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard let size = Int(sizeText, radix: 16) else { close(); throw Failure("bad chunk size \(line)") }
            if size == 0 {
                while try !readLine().isEmpty {}  // trailers
                return body
            }
            while buffer.count < size + 2 {
                guard try readMore() else { close(); throw Failure("closed inside a chunk") }
            }
            body += buffer[..<size]
            buffer.removeFirst(size + 2)
        }
    }

    private func readLine() throws -> String {
        while true {
            if let index = buffer.firstIndex(of: 10), index > 0, buffer[index - 1] == 13 {
                let line = String(decoding: buffer[..<(index - 1)], as: UTF8.self)
                buffer.removeFirst(index + 1)
                return line
            }
            guard try readMore() else { close(); throw Failure("closed inside chunk framing") }
        }
    }

    /// Appends what the connection has to `buffer`; false at a clean end of the stream.
    private func readMore() throws -> Bool {
        guard let ssl else { return false }
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let count = chunk.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
        if count > 0 {
            buffer += chunk[..<Int(count)]
            return true
        }
        let code = SSL_get_error(ssl, count)
        if code == SSL_ERROR_ZERO_RETURN || (code == SSL_ERROR_SYSCALL && (errno == 0 || errno == ECONNRESET)) {
            return false
        }
        let reason = errorDescription(ssl, count)
        close()
        throw Failure("closed while reading: \(reason)")
    }

    // MARK: Connecting

    private func connect() throws {
        close()
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw Failure("socket: \(String(cString: strerror(errno)))") }
        fd = socketFD
        var limit = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        if let sourceAddress {
            var local = try Self.address(sourceAddress, port: 0)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { close(); throw Failure("bind \(sourceAddress): \(String(cString: strerror(errno)))") }
        }
        var remote = try Self.address(host, port: port)
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { let reason = String(cString: strerror(errno)); close(); throw Failure("connect \(host):\(port): \(reason)") }

        if let proxyHeader {
            let sent = proxyHeader.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent == proxyHeader.count else { close(); throw Failure("cannot send the PROXY header") }
        }
        guard let ssl = SSL_new(context) else { close(); throw Failure("SSL_new failed") }
        self.ssl = ssl
        SSL_set_fd(ssl, fd)
        // The certificate must name the address we dialled.
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
        let alpn: [UInt8] = [8] + Array("http/1.1".utf8)
        _ = SSL_set_alpn_protos(ssl, alpn, UInt32(alpn.count))
        if let offeredSession { SSL_set_session(ssl, offeredSession.pointer) }
        let result = SSL_connect(ssl)
        guard result == 1 else {
            let reason = errorDescription(ssl, result)
            close()
            throw Failure("TLS handshake with \(host):\(port) failed: \(reason)")
        }
        sessionReused = SSL_session_reused(ssl) == 1
        connectionsOpened += 1
    }

    /// The open connection's session, to offer on another connection. With TLS 1.3 the
    /// server sends its tickets after the handshake: take it after a response was read.
    public func currentSession() -> TLSSession? {
        guard let ssl, let session = SSL_get1_session(ssl) else { return nil }
        return TLSSession(session)
    }

    /// The negotiated protocol version of the open connection ("TLSv1.3"), if any.
    public var protocolVersion: String? { ssl.map { String(cString: SSL_get_version($0)) } }

    private static func address(_ text: String, port: UInt16) throws -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, text, &address.sin_addr) == 1 else { throw Failure("not an IPv4 address: \(text)") }
        return address
    }

    private func errorDescription(_ ssl: OpaquePointer, _ result: Int32) -> String {
        let code = SSL_get_error(ssl, result)
        var text = "SSL error \(code), errno \(errno)"
        let queued = ERR_get_error()
        if queued != 0 {
            var chars = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(queued, &chars, chars.count)
            text += ": " + String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK { text += " (verify: \(String(cString: X509_verify_cert_error_string(verify))))" }
        return text
    }
}

extension HTTPSClient {
    /// A JSON request: the body gets `Content-Type: application/json` unless the test sets one,
    /// and a token becomes `Authorization: Bearer`.
    public func json(_ method: String, _ target: String, token: String?, body: String? = nil,
                     headers: [(String, String)] = []) throws -> HTTPSResponse {
        var all = headers
        if let token { all.append(("Authorization", "Bearer \(token)")) }
        if body != nil, !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
            all.append(("Content-Type", "application/json"))
        }
        return try request(method, target, headers: all, body: body.map { Array($0.utf8) })
    }
}

/// An OpenSSL client session (for resumption), freed with its last reference.
public final class TLSSession {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { SSL_SESSION_free(pointer) }
}
