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
///
/// Writing never blocks (see `NonBlockingOutput`). What stdout does not take stays here, up
/// to `maximumPendingBytes`, and is tried again shortly; lines past that are dropped whole and
/// counted (`leadsd_access_log_dropped_lines_total`): a stuck reader costs log lines, never
/// requests.
final class AccessLog: @unchecked Sendable {
    // Sendable: used only on `queue`, the worker's serial queue.
    private let queue: DispatchQueue
    private let output: NonBlockingOutput
    private let pid = getpid()
    /// Lines not written yet; `written` bytes at its front already went out.
    private var buffer: [UInt8] = []
    private var written = 0
    private var flushScheduled = false
    private var retryScheduled = false
    private var clock = RFC3339Clock()
    private let dropped: (Int) -> Void

    /// Unwritten bytes kept while stdout takes nothing; past it, new lines are dropped.
    static let maximumPendingBytes = 64 * 1024
    /// At most this much per write: a pipe takes a write of up to PIPE_BUF bytes whole or not
    /// at all, so the lines of several workers never interleave mid-line.
    static let chunkBytes = 4096
    static let retryDelay = DispatchTimeInterval.milliseconds(50)

    /// `dropped` is told how many lines were dropped, as they are.
    init(queue: DispatchQueue, output: NonBlockingOutput = .standardOutput(), dropped: @escaping (Int) -> Void = { _ in }) {
        self.queue = queue
        self.output = output
        self.dropped = dropped
        buffer.reserveCapacity(16 * 1024)
    }

    func record(_ record: AccessRecord) {
        guard buffer.count - written < Self.maximumPendingBytes else {
            dropped(1)
            return
        }
        Self.appendLine(record, time: clock.now(), pid: pid, to: &buffer)
        if retryScheduled { return }  // stdout is full: the retry writes it
        if buffer.count - written >= Self.maximumPendingBytes { flush(); return }
        if !flushScheduled {
            flushScheduled = true
            queue.async { self.flush() }
        }
    }

    /// Writes what stdout takes now, in whole lines of at most `chunkBytes` (a longer line alone).
    func flush() {
        flushScheduled = false
        while written < buffer.count {
            let end = Self.chunkEnd(buffer, from: written, limit: Self.chunkBytes)
            let outcome = buffer.withUnsafeBytes { output.write(UnsafeRawBufferPointer(rebasing: $0[written..<end])) }
            switch outcome {
            case .wrote(let count):
                written += count
            case .full:
                compact()
                scheduleRetry()
                return
            case .closed:
                // Nobody will ever read these: count them, and keep counting what follows.
                dropped(buffer[written...].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) })
                written = buffer.count
            }
        }
        buffer.removeAll(keepingCapacity: true)
        written = 0
    }

    private func compact() {
        guard written > 0 else { return }
        buffer.removeFirst(written)
        written = 0
    }

    private func scheduleRetry() {
        guard !retryScheduled else { return }
        retryScheduled = true
        queue.asyncAfter(deadline: .now() + Self.retryDelay) {
            self.retryScheduled = false
            self.flush()
        }
    }

    /// The end of the longest run of whole lines from `start` within `limit` bytes, or of the
    /// one line at `start` when it alone is longer.
    static func chunkEnd(_ bytes: [UInt8], from start: Int, limit: Int) -> Int {
        let cap = min(bytes.count, start + limit)
        var end = start
        var index = start
        while index < cap {
            if bytes[index] == 0x0A { end = index + 1 }
            index += 1
        }
        if end > start { return end }
        // No line end within the limit: the line goes out alone, to its end.
        return (bytes[start...].firstIndex(of: 0x0A)).map { $0 + 1 } ?? bytes.count
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
