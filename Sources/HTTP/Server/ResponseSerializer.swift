/// Writes a response's status line, headers and body into the connection's output buffer.
enum ResponseSerializer {
    /// Fields the server sets itself; the application's values for them are dropped.
    private static let serverFields = ["content-length", "transfer-encoding", "connection", "date", "x-request-id"]

    /// Appends the response; returns the body bytes written.
    static func append(
        _ response: HTTPResponse, isHead: Bool, keepAlive: Bool, requestID: String, date: [UInt8],
        to out: inout [UInt8]
    ) -> Int {
        var status = response.status
        var response = response
        if status < 200 || status > 599 {
            status = 500
            response = .message(500, "Server Error.", route: response.route)
        }
        let bodyless = status == 204 || status == 304
        var declaredLength: String?

        out.append(contentsOf: "HTTP/1.1 ".utf8)
        appendNumber(status, to: &out)
        out.append(ByteClass.sp)
        out.append(contentsOf: reasonPhrase(status).utf8)
        out.append(contentsOf: "\r\n".utf8)
        for (name, value) in response.headers.fields {
            if serverFields.contains(where: { HTTPHeaders.equalNames($0, name) }) {
                if HTTPHeaders.equalNames(name, "content-length") { declaredLength = value }
                continue
            }
            // A field that would break the framing (CR/LF, bad name) is a bug above; drop it.
            guard !name.isEmpty, name.utf8.allSatisfy({ ByteClass.token[Int($0)] }),
                  value.utf8.allSatisfy({ ByteClass.fieldValue[Int($0)] }) else { continue }
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        if !bodyless {
            out.append(contentsOf: "Content-Length: ".utf8)
            // HEAD may be answered without building the body; then the application's own
            // Content-Length (digits only) stands for the GET body's length.
            if isHead, response.body.isEmpty, let declaredLength, !declaredLength.isEmpty,
               declaredLength.utf8.count < 19, declaredLength.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                out.append(contentsOf: declaredLength.utf8)
            } else {
                appendNumber(response.body.count, to: &out)
            }
            out.append(contentsOf: "\r\n".utf8)
        }
        out.append(contentsOf: "Date: ".utf8)
        out.append(contentsOf: date)
        out.append(contentsOf: keepAlive ? "\r\nConnection: keep-alive\r\n".utf8 : "\r\nConnection: close\r\n".utf8)
        out.append(contentsOf: "X-Request-Id: ".utf8)
        out.append(contentsOf: requestID.utf8)
        out.append(contentsOf: "\r\n\r\n".utf8)
        guard !isHead, !bodyless else { return 0 }
        out.append(contentsOf: response.body)
        return response.body.count
    }

    static func appendNumber(_ value: Int, to out: inout [UInt8]) {
        out.append(contentsOf: String(value).utf8)
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Status"
        }
    }
}
