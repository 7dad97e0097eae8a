#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import XCTest
@testable import leadsd

final class MasterAccessLogTests: XCTestCase {
    func testALineIsOneJSONObjectWithTheAgreedFields() throws {
        var out: [UInt8] = []
        let record = AccessRecord(
            requestID: "abc\"1", method: "GET", route: "/crm/api/v2/leads/{uuid}", status: 200, bytes: 512,
            durationMicroseconds: 1_234, clientAddress: "203.0.113.9"
        )
        AccessLog.appendLine(record, time: "2026-11-28T04:20:00.123Z", pid: 42, to: &out)
        let text = String(decoding: out, as: UTF8.self)
        XCTAssertEqual(text, #"{"time":"2026-11-28T04:20:00.123Z","request_id":"abc\"1","method":"GET","route":"/crm/api/v2/leads/{uuid}","status":200,"bytes":512,"duration_ms":1.234,"client_ip":"203.0.113.9","worker":42}"# + "\n")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(out)) as? [String: Any])
        XCTAssertEqual(object["duration_ms"] as? Double, 1.234)
        var unmatched: [UInt8] = []
        AccessLog.appendLine(AccessRecord(requestID: "x", method: "GET", route: nil, status: 404, bytes: 0, durationMicroseconds: 5, clientAddress: "::1"),
                             time: "t", pid: 1, to: &unmatched)
        XCTAssertTrue(String(decoding: unmatched, as: UTF8.self).contains(#""route":null,"status":404,"bytes":0,"duration_ms":0.005"#))
    }

    func testTimesAreRFC3339UTC() {
        let pattern = #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#
        var clock = RFC3339Clock()
        for time in [Clock.rfc3339Now(), clock.now(), clock.now()] {
            XCTAssertNotNil(time.range(of: pattern, options: .regularExpression), time)
        }
        XCTAssertEqual(Clock.rfc3339(seconds: 1_795_839_600, milliseconds: 7), "2026-11-28T04:20:00.007Z")
        XCTAssertEqual(Clock.rfc3339(seconds: 0, milliseconds: 999), "1970-01-01T00:00:00.999Z")
        // The cached clock agrees with the plain one to the second.
        let plain = Clock.rfc3339Now().prefix(19)
        XCTAssertEqual(clock.now().prefix(19), plain)
    }

    /// The daemon logs every request on stdout, and never a token.
    func testTheDaemonLogsRequestsWithoutTokens() throws {
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "2"])
        let secret = "7|s3cretTokenValueThatMustNotBeLogged"
        for _ in 0..<5 {
            _ = daemon.request("/crm/api/v2/leads?token=\(secret)", headers: ["Authorization": "Bearer \(secret)"])
            _ = daemon.request("/healthz")
        }
        XCTAssertEqual(daemon.stop(), 0)
        let lines = daemon.stdout().split(separator: "\n")
        // Five each, plus the health checks of DaemonProcess.start.
        XCTAssertEqual(lines.filter { $0.contains("\"route\":null") }.count, 5, daemon.stdout())
        XCTAssertGreaterThanOrEqual(lines.filter { $0.contains("\"route\":\"/healthz\"") }.count, 5, daemon.stdout())
        for line in lines {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
            XCTAssertEqual(Set(object.keys), ["time", "request_id", "method", "route", "status", "bytes", "duration_ms", "client_ip", "worker"])
            XCTAssertEqual(object["client_ip"] as? String, "127.0.0.1")
        }
        XCTAssertFalse(daemon.stdout().contains("s3cretToken"))
        XCTAssertFalse(daemon.stderr().contains("s3cretToken"))
    }

    /// Writes go out in whole lines of at most a pipe's atomic size; a longer line alone.
    func testChunksEndAtLineEnds() {
        let bytes = Array("a\nbb\nccc\n".utf8)
        XCTAssertEqual(AccessLog.chunkEnd(bytes, from: 0, limit: 5), 5, "a and bb")
        XCTAssertEqual(AccessLog.chunkEnd(bytes, from: 0, limit: 4), 2, "bb does not fit whole")
        XCTAssertEqual(AccessLog.chunkEnd(bytes, from: 0, limit: 1), 2, "a line longer than the limit goes alone")
        XCTAssertEqual(AccessLog.chunkEnd(bytes, from: 2, limit: 100), 9)
        XCTAssertEqual(AccessLog.chunkEnd(bytes, from: 3, limit: 100), 9, "the rest of a line written in part")
    }

    /// A stdout nobody reads (a full pipe: journald stuck, a `| less` left open) costs log
    /// lines, never service: the worker keeps answering, and /metrics counts what it dropped.
    func testAFullStdoutDropsLinesInsteadOfBlockingTheWorker() throws {
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        defer { close(ends[0]) }  // kept open and never read: writes find the pipe full
        _ = fcntl(ends[1], 1031 /* F_SETPIPE_SZ */, 4096)  // one page: full after a dozen lines
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "1"], standardOutput: ends[1])
        close(ends[1])
        var answered = 0
        for _ in 0..<600 {
            guard daemon.request("/healthz", timeout: 3)?.status == 200 else { break }
            answered += 1
        }
        XCTAssertEqual(answered, 600, "the worker stopped answering once stdout was full")
        let metrics = daemon.request("/metrics", port: daemon.metricsPort, timeout: 3)?.body ?? ""
        let prefix = "leadsd_access_log_dropped_lines_total "
        let dropped = metrics.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Int($0.dropFirst(prefix.count)) }
        XCTAssertGreaterThan(dropped ?? 0, 0, "dropped lines are counted: \(metrics)")
        XCTAssertEqual(daemon.stop(timeout: 10), 0)
    }
}
