#if canImport(Glibc)
import Glibc
#endif

/// The master's own log: one JSON line per event on stderr (journald keeps stdout for the
/// access log). Plain stdio: the master must not start anything that makes threads.
enum MasterLog {
    static func info(_ event: String, _ fields: [(String, String)] = []) { write("info", event, fields) }
    static func warning(_ event: String, _ fields: [(String, String)] = []) { write("warning", event, fields) }
    static func error(_ event: String, _ fields: [(String, String)] = []) { write("error", event, fields) }

    private static func write(_ level: String, _ event: String, _ fields: [(String, String)]) {
        var line: [UInt8] = Array("{\"time\":\"".utf8) + Array(Clock.rfc3339Now().utf8) + Array("\",\"level\":\"\(level)\",\"event\":".utf8)
        JSONText.append(event, to: &line)
        line += Array(",\"pid\":\(getpid())".utf8)
        for (key, value) in fields {
            line.append(UInt8(ascii: ","))
            JSONText.append(key, to: &line)
            line.append(UInt8(ascii: ":"))
            JSONText.append(value, to: &line)
        }
        line += Array("}\n".utf8)
        StandardError.write(line)
    }
}

/// Unbuffered writes to fd 2: nothing is left in a stdio buffer to be copied by fork.
enum StandardError {
    static func write(_ text: String) { write(Array(text.utf8)) }

    static func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress! + offset, $0.count - offset) }
            if count > 0 { offset += count } else if count < 0, errno == EINTR { continue } else { return }
        }
    }
}

/// JSON string escaping for log lines (RFC 8259).
enum JSONText {
    static func append(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(byte)
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x00..<0x20, 0x7F: out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Monotonic time for deadlines, wall time for log lines; no Foundation.
enum Clock {
    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// `2026-11-28T04:20:00.123Z`
    static func rfc3339Now() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return rfc3339(seconds: now.tv_sec, milliseconds: Int(now.tv_nsec / 1_000_000))
    }

    static func rfc3339(seconds time: Int, milliseconds millis: Int) -> String {
        var seconds = time
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millisText = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millisText)Z"
    }
}
