/// How the body of a request is delimited (RFC 9112 §6.3).
public enum HTTPBodyFraming: Equatable, Sendable {
    case none
    case length(Int)
    case chunked
}

/// A parsed and validated request line and header section.
public struct HTTPRequestHead: Sendable {
    public var method: String
    public var target: String
    public var path: String
    public var query: String?
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    public var headers: HTTPHeaders
    public var framing: HTTPBodyFraming
    /// Whether the connection may carry another request after this one.
    public var keepAlive: Bool
    /// `Expect: 100-continue` on an HTTP/1.1 request.
    public var expectsContinue: Bool
    /// The `Host` value, or "" for an HTTP/1.0 request without one.
    public var host: String

    /// Applies the message-level rules of RFC 9112 to the fields: body framing, Host,
    /// persistence, expectations. Anything ambiguous is a bad request.
    static func make(
        method: String, target: String, minorVersion: Int, headers: HTTPHeaders
    ) throws(HTTPParseError) -> HTTPRequestHead {
        var contentLengths = 0
        var contentLength = 0
        var transferCodings: [Substring] = []
        var hosts = 0
        var host = ""
        var close = false
        var keepAliveToken = false
        var expectsContinue = false

        for (name, value) in headers.fields {
            if HTTPHeaders.equalNames(name, "content-length") {
                contentLengths += 1
                guard contentLengths == 1 else { throw .badRequest("several Content-Length fields") }
                contentLength = try parseContentLength(value)
            } else if HTTPHeaders.equalNames(name, "transfer-encoding") {
                transferCodings += listElements(value)
            } else if HTTPHeaders.equalNames(name, "host") {
                hosts += 1
                guard hosts == 1 else { throw .badRequest("several Host fields") }
                guard value.utf8.allSatisfy({ ByteClass.host[Int($0)] }) else { throw .badRequest("invalid Host") }
                host = value
            } else if HTTPHeaders.equalNames(name, "connection") {
                for option in listElements(value) {
                    if asciiEqual(option, "close") { close = true }
                    if asciiEqual(option, "keep-alive") { keepAliveToken = true }
                }
            } else if HTTPHeaders.equalNames(name, "expect") {
                if minorVersion == 1, asciiEqual(Substring(value), "100-continue") { expectsContinue = true }
            }
        }

        let framing: HTTPBodyFraming
        if !transferCodings.isEmpty || headers.values("transfer-encoding").count > 0 {
            guard minorVersion == 1 else { throw .badRequest("Transfer-Encoding in HTTP/1.0") }
            guard contentLengths == 0 else { throw .badRequest("both Content-Length and Transfer-Encoding") }
            guard transferCodings.count == 1, asciiEqual(transferCodings[0], "chunked") else {
                throw .badRequest("unsupported transfer coding")
            }
            framing = .chunked
        } else if contentLengths == 1 {
            framing = contentLength == 0 ? .none : .length(contentLength)
        } else {
            framing = .none
        }
        if minorVersion == 1, hosts == 0 { throw .badRequest("missing Host") }

        let questionMark = target.utf8.firstIndex(of: UInt8(ascii: "?"))
        let path = questionMark.map { String(target[..<$0]) } ?? target
        let query = questionMark.map { String(target[target.index(after: $0)...]) }
        return HTTPRequestHead(
            method: method, target: target, path: path, query: query, minorVersion: minorVersion,
            headers: headers, framing: framing,
            keepAlive: minorVersion == 1 ? !close : (keepAliveToken && !close),
            expectsContinue: expectsContinue && framing != .none, host: host
        )
    }

    /// 1*DIGIT only (no sign, no list, no spaces); too many digits saturate to Int.max,
    /// which the body limit then turns into 413.
    static func parseContentLength(_ value: String) throws(HTTPParseError) -> Int {
        guard !value.isEmpty else { throw .badRequest("empty Content-Length") }
        var result = 0
        for byte in value.utf8 {
            guard byte >= 0x30, byte <= 0x39 else { throw .badRequest("invalid Content-Length") }
            let (times10, o1) = result.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(byte - 0x30))
            result = (o1 || o2) ? Int.max : sum
        }
        return result
    }

    /// The non-empty elements of a comma-separated list with OWS trimmed (RFC 9110 §5.6.1).
    static func listElements(_ value: String) -> [Substring] {
        value.split(separator: ",", omittingEmptySubsequences: false).compactMap { element in
            let trimmed = element.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }
            let result = Substring(String(trimmed.reversed()))
            return result.isEmpty ? nil : result
        }
    }

    static func asciiEqual(_ a: Substring, _ b: String) -> Bool {
        HTTPHeaders.equalNames(String(a), b)
    }
}
