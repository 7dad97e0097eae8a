import Foundation
import TestSupport
import XCTest

/// `/metrics` on its own listener, summed over the workers.
final class MasterMetricsEndpointTests: XCTestCase {
    func testMetricsAreSummedOverAllWorkersOnTheirOwnListener() throws {
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "3"])
        XCTAssertNotEqual(daemon.metricsPort, 0)
        let before = try XCTUnwrap(daemon.request("/metrics", port: daemon.metricsPort))
        let healthz = "leadsd_http_requests_total{route=\"/healthz\",status=\"200\"} "
        let counted = Self.value(healthz, in: before.body)
        for _ in 0..<60 { XCTAssertEqual(daemon.request("/healthz")?.status, 200) }
        let servedBy = Set(daemon.stdout().split(separator: "\n").compactMap { line -> Substring? in
            line.range(of: "\"worker\":").map { line[$0.upperBound...].dropLast() }
        })
        let metrics = try XCTUnwrap(daemon.request("/metrics", port: daemon.metricsPort))
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.head.lowercased().contains("content-type: text/plain; version=0.0.4"), metrics.head)
        XCTAssertEqual(Self.value(healthz, in: metrics.body), counted + 60, "served by \(servedBy.count) workers: \(metrics.body)")
        XCTAssertEqual(Self.value("leadsd_http_request_duration_seconds_count{route=\"/healthz\"} ", in: metrics.body), counted + 60)
        XCTAssertGreaterThan(servedBy.count, 1, "the kernel spread the connections")
        XCTAssertTrue(metrics.body.contains("leadsd_workers 3\n"), daemon.stderr())
        XCTAssertEqual(daemon.request("/metrics")?.status == 200 && daemon.request("/metrics")?.body.contains("leadsd_workers") == true, false,
                       "the API listener does not serve the metrics")
        XCTAssertEqual(daemon.request("/other", port: daemon.metricsPort)?.status, 404)
        XCTAssertEqual(daemon.stop(), 0)
    }

    func testRateLimitRejectionsAreCountedByLimit() throws {
        let database = try TestDatabase(prefix: "metrics_limits")
        defer { database.drop() }
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "1", "--guest-rate-limit", "2"], environment: ["DATABASE_URL": database.url])
        let statuses = (0..<5).map { _ in daemon.request("/crm/api/v2/leads")?.status }
        XCTAssertEqual(statuses, [401, 401, 429, 429, 429])
        let metrics = try XCTUnwrap(daemon.request("/metrics", port: daemon.metricsPort)).body
        XCTAssertEqual(Self.value("leadsd_rate_limit_rejections_total{limit=\"guest\"} ", in: metrics), 3, metrics)
        XCTAssertEqual(Self.value("leadsd_rate_limit_rejections_total{limit=\"token\"} ", in: metrics), 0, metrics)
        XCTAssertEqual(daemon.stop(), 0)
    }

    private static func value(_ prefix: String, in text: String) -> Int {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return 0 }
        return Int(line.dropFirst(prefix.count)) ?? -1
    }
}
