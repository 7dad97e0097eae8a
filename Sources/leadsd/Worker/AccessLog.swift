#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// One answered request, as the access log and the metrics see it. Built from the HTTP
/// server's completion record; holds no header value, token or body on purpose.
struct AccessRecord {
    var requestID: String
    var method: String
    /// The route pattern; nil when no route matched (never the raw path).
    var route: String?
    var status: Int
    var bytes: Int
    var durationMicroseconds: UInt64
    var clientAddress: String
}

/// The access log: one JSON line per request on stdout, for journald. Lines are collected
/// during one turn of the worker's queue and written together at its end, so a burst costs
/// one write(2) and no line waits longer than the current turn.
final class AccessLog: @unchecked Sendable {
    // Sendable: used only on `queue`, the worker's serial queue.
    private let queue: DispatchQueue
    private let pid = getpid()
    private var buffer: [UInt8] = []
    private var flushScheduled = false
    private var clock = RFC3339Clock()

    init(queue: DispatchQueue) {
        self.queue = queue
        buffer.reserveCapacity(16 * 1024)
    }

    func record(_ record: AccessRecord) {
        Self.appendLine(record, time: clock.now(), pid: pid, to: &buffer)
        if buffer.count >= 64 * 1024 { flush(); return }
        if !flushScheduled {
            flushScheduled = true
            queue.async { self.flush() }
        }
    }

    func flush() {
        flushScheduled = false
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress! + offset, $0.count - offset) }
            if written > 0 { offset += written; continue }
            if written < 0, errno == EINTR { continue }
            break  // stdout gone or full: losing log lines beats blocking the worker forever
        }
        buffer.removeAll(keepingCapacity: true)
    }

    static func appendLine(_ record: AccessRecord, time: String, pid: pid_t, to out: inout [UInt8]) {
        out.append(contentsOf: "{\"time\":\"".utf8)
        out.append(contentsOf: time.utf8)
        out.append(contentsOf: "\",\"request_id\":".utf8)
        JSONText.append(record.requestID, to: &out)
        out.append(contentsOf: ",\"method\":".utf8)
        JSONText.append(record.method, to: &out)
        out.append(contentsOf: ",\"route\":".utf8)
        if let route = record.route { JSONText.append(route, to: &out) } else { out.append(contentsOf: "null".utf8) }
        out.append(contentsOf: ",\"status\":".utf8)
        appendDecimal(UInt64(max(record.status, 0)), to: &out)
        out.append(contentsOf: ",\"bytes\":".utf8)
        appendDecimal(UInt64(max(record.bytes, 0)), to: &out)
        out.append(contentsOf: ",\"duration_ms\":".utf8)
        appendDecimal(record.durationMicroseconds / 1_000, to: &out)
        let fraction = record.durationMicroseconds % 1_000
        out.append(UInt8(ascii: "."))
        out.append(UInt8(ascii: "0") + UInt8(fraction / 100))
        out.append(UInt8(ascii: "0") + UInt8(fraction / 10 % 10))
        out.append(UInt8(ascii: "0") + UInt8(fraction % 10))
        out.append(contentsOf: ",\"client_ip\":".utf8)
        JSONText.append(record.clientAddress, to: &out)
        out.append(contentsOf: ",\"worker\":".utf8)
        appendDecimal(UInt64(max(pid, 0)), to: &out)
        out.append(contentsOf: "}\n".utf8)
    }

    private static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
        guard value >= 10 else { out.append(UInt8(ascii: "0") + UInt8(value)); return }
        appendDecimal(value / 10, to: &out)
        out.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
}

/// Wall-clock time as RFC 3339 UTC with milliseconds; the date and time up to the second are
/// formatted once per second, not once per request.
struct RFC3339Clock {
    private var second = -1
    private var prefix = ""

    mutating func now() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        if now.tv_sec != second {
            second = now.tv_sec
            let full = Clock.rfc3339(seconds: now.tv_sec, milliseconds: 0)
            prefix = String(full.dropLast(4))  // without "000Z"
        }
        let millis = now.tv_nsec / 1_000_000
        return prefix + String(UnicodeScalar(UInt8(48 + millis / 100))) + String(UnicodeScalar(UInt8(48 + millis / 10 % 10)))
            + String(UnicodeScalar(UInt8(48 + millis % 10))) + "Z"
    }
}
