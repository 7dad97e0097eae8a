/// Incremental parser of one request line and header section (RFC 9112 §2–§5), strict:
/// every line ends in CRLF, no obs-fold, no whitespace before a colon, token names, an
/// origin-form target, HTTP/1.1 or HTTP/1.0.
///
/// Resumable at line granularity and it remembers how far it searched for the next LF, so
/// bytes trickling in are each looked at once (no quadratic rescans for slow clients).
/// Feed it the buffer from the first byte of the request on; it never copies the buffer.
public struct HTTPHeadParser: Sendable {
    public enum Result: Equatable, Sendable {
        case incomplete
        /// The head is complete; `consumed` bytes (through the blank line) belong to it.
        case complete(consumed: Int)
    }

    private enum Phase: Sendable { case requestLine, headers, done }

    private let limits: HTTPServerConfiguration
    private var phase = Phase.requestLine
    private var lineStart = 0
    private var searchFrom = 0
    private var headersStart = 0
    private var method = ""
    private var target = ""
    private var minorVersion = 1
    private var headers = HTTPHeaders()
    private var parsedHead: HTTPRequestHead?

    /// Empty lines tolerated before a request line (RFC 9112 §2.2: some clients send a CRLF
    /// after a POST body).
    static let maxLeadingEmptyLines = 4
    private var leadingEmptyLines = 0

    public init(limits: HTTPServerConfiguration) { self.limits = limits }

    /// The head once `parse` returned `.complete`.
    public var head: HTTPRequestHead? { parsedHead }

    /// Whether any byte of a request has been seen (the header timeout starts there).
    public var hasStarted: Bool { lineStart > 0 || searchFrom > 0 }

    public mutating func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> Result {
        while true {
            guard phase != .done else { return .complete(consumed: lineStart) }
            var lf = -1
            var index = max(searchFrom, lineStart)
            while index < buffer.count {
                if buffer[index] == ByteClass.lf { lf = index; break }
                index += 1
            }
            guard lf >= 0 else {
                searchFrom = buffer.count
                try checkPartialLine(length: buffer.count - lineStart)
                return .incomplete
            }
            guard lf > lineStart, buffer[lf - 1] == ByteClass.cr else { throw .badRequest("bare LF") }
            let line = UnsafeBufferPointer(rebasing: buffer[lineStart..<(lf - 1)])
            try checkPartialLine(length: lf + 1 - lineStart)
            switch phase {
            case .requestLine:
                if line.isEmpty {
                    leadingEmptyLines += 1
                    guard leadingEmptyLines <= Self.maxLeadingEmptyLines else { throw .badRequest("empty lines") }
                } else {
                    try parseRequestLine(line)
                    phase = .headers
                    headersStart = lf + 1
                }
            case .headers:
                if line.isEmpty {
                    phase = .done
                    parsedHead = try HTTPRequestHead.make(
                        method: method, target: target, minorVersion: minorVersion, headers: headers)
                } else {
                    try parseFieldLine(line)
                }
            case .done:
                break
            }
            lineStart = lf + 1
            searchFrom = lineStart
        }
    }

    /// Limits apply to the line being read before its LF arrives, so an endless line is
    /// refused as soon as it passes the limit.
    private func checkPartialLine(length: Int) throws(HTTPParseError) {
        switch phase {
        case .requestLine:
            if length > limits.maxRequestLineBytes { throw .headerFieldsTooLarge }
        case .headers:
            if lineStart - headersStart + length > limits.maxHeaderBytes { throw .headerFieldsTooLarge }
        case .done:
            break
        }
    }

    private mutating func parseRequestLine(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) {
        var index = 0
        while index < line.count, ByteClass.token[Int(line[index])] { index += 1 }
        guard index > 0, index < line.count, line[index] == ByteClass.sp else { throw .badRequest("invalid method") }
        method = String(decoding: UnsafeBufferPointer(rebasing: line[0..<index]), as: UTF8.self)
        index += 1

        let targetStart = index
        guard index < line.count, line[index] == UInt8(ascii: "/") else { throw .badRequest("target not origin-form") }
        var inQuery = false
        while index < line.count, line[index] != ByteClass.sp {
            let byte = line[index]
            if byte == UInt8(ascii: "?") { inQuery = true }
            // PHP-style `filter[x]=1` is sent with raw brackets by many clients (curl -g,
            // http_build_query users); unambiguous in a query, so accepted there (not in paths).
            if inQuery, byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]") {
                index += 1
                continue
            }
            if byte == UInt8(ascii: "%") {
                guard index + 2 < line.count, ByteClass.hexValue[Int(line[index + 1])] >= 0,
                      ByteClass.hexValue[Int(line[index + 2])] >= 0 else {
                    throw .badRequest("invalid percent-encoding in target")
                }
                index += 3
                continue
            }
            guard ByteClass.target[Int(byte)] else { throw .badRequest("invalid target character") }
            index += 1
        }
        target = String(decoding: UnsafeBufferPointer(rebasing: line[targetStart..<index]), as: UTF8.self)
        guard index < line.count else { throw .badRequest("missing HTTP version") }
        index += 1

        let version = UnsafeBufferPointer(rebasing: line[index...])
        guard version.count == 8, version.starts(with: "HTTP/1.".utf8) else { throw .badRequest("invalid HTTP version") }
        switch version[7] {
        case UInt8(ascii: "1"): minorVersion = 1
        case UInt8(ascii: "0"): minorVersion = 0
        default: throw .badRequest("unsupported HTTP version")
        }
    }

    private mutating func parseFieldLine(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) {
        guard line[0] != ByteClass.sp, line[0] != ByteClass.htab else { throw .badRequest("obs-fold") }
        var index = 0
        while index < line.count, ByteClass.token[Int(line[index])] { index += 1 }
        guard index > 0, index < line.count, line[index] == UInt8(ascii: ":") else {
            throw .badRequest("invalid field name")
        }
        let nameEnd = index
        index += 1
        while index < line.count, line[index] == ByteClass.sp || line[index] == ByteClass.htab { index += 1 }
        let valueStart = index
        var valueEnd = index
        while index < line.count {
            let byte = line[index]
            guard ByteClass.fieldValue[Int(byte)] else { throw .badRequest("invalid field value character") }
            index += 1
            if byte != ByteClass.sp, byte != ByteClass.htab { valueEnd = index }
        }
        guard headers.count < limits.maxHeaderCount else { throw .headerFieldsTooLarge }
        headers.add(
            String(decoding: UnsafeBufferPointer(rebasing: line[0..<nameEnd]), as: UTF8.self),
            String(decoding: UnsafeBufferPointer(rebasing: line[valueStart..<valueEnd]), as: UTF8.self)
        )
    }
}
