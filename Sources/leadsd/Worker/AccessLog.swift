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

    init(queue: DispatchQueue) {
        self.queue = queue
        buffer.reserveCapacity(16 * 1024)
    }

    func record(_ record: AccessRecord) {
        Self.appendLine(record, time: Clock.rfc3339Now(), pid: pid, to: &buffer)
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
        out += Array("{\"time\":\"\(time)\",\"request_id\":".utf8)
        JSONText.append(record.requestID, to: &out)
        out += Array(",\"method\":".utf8)
        JSONText.append(record.method, to: &out)
        out += Array(",\"route\":".utf8)
        if let route = record.route { JSONText.append(route, to: &out) } else { out += Array("null".utf8) }
        let millis = record.durationMicroseconds / 1_000
        let fraction = record.durationMicroseconds % 1_000
        let fractionText = fraction < 10 ? "00\(fraction)" : fraction < 100 ? "0\(fraction)" : "\(fraction)"
        out += Array(",\"status\":\(record.status),\"bytes\":\(record.bytes),\"duration_ms\":\(millis).\(fractionText),\"client_ip\":".utf8)
        JSONText.append(record.clientAddress, to: &out)
        out += Array(",\"worker\":\(pid)}\n".utf8)
    }
}
