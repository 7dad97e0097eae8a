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

    /// Every metric /metrics serves is in deploy/README.md's table, and every name there is
    /// served; `leadsd_build_info` carries the version and commit `--version` prints.
    func testTheDocumentedMetricsAreTheServedOnes() throws {
        let daemon = DaemonProcess()
        try daemon.start(arguments: ["--workers", "1"])
        _ = daemon.request("/healthz")
        let body = try XCTUnwrap(daemon.request("/metrics", port: daemon.metricsPort)).body
        XCTAssertEqual(daemon.stop(), 0)
        let served = Set(body.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
        XCTAssertGreaterThan(served.count, 10, body)

        let readme = try String(contentsOf: LeadsdProcess.packageRoot.appendingPathComponent("deploy/README.md"), encoding: .utf8)
        let section = try XCTUnwrap(readme.components(separatedBy: "\n## Metrics\n").dropFirst().first?.components(separatedBy: "\n## ").first,
                                    "deploy/README.md has no ## Metrics section")
        let regex = try NSRegularExpression(pattern: #"^\| `(leadsd_[a-z_]+)"#, options: .anchorsMatchLines)
        let documented = Set(regex.matches(in: section, range: NSRange(section.startIndex..., in: section)).compactMap {
            Range($0.range(at: 1), in: section).map { String(section[$0]) }
        })
        XCTAssertEqual(served.subtracting(documented).sorted(), [], "served but not in deploy/README.md")
        XCTAssertEqual(documented.subtracting(served).sorted(), [], "in deploy/README.md but not served")
        // Names in the text outside the table must exist too (a renamed metric left behind).
        let mentioned = try NSRegularExpression(pattern: #"leadsd_[a-z_]+"#)
        let histogramParts = Set(served.flatMap { [$0 + "_bucket", $0 + "_sum", $0 + "_count"] })
        for match in mentioned.matches(in: readme, range: NSRange(readme.startIndex..., in: readme)) {
            let name = String(readme[Range(match.range, in: readme)!])
            if ["leadsd_migrations", "leadsd_rate_limits", "leadsd_lead_counts", "leadsd_lead_numbers"].contains(name) { continue }
            XCTAssertTrue(served.contains(name) || histogramParts.contains(name), "deploy/README.md names \(name), which /metrics does not serve")
        }

        let version = try LeadsdProcess.run(["--version"]).stdout  // leadsd 0.9.0 (commit abc)
        let parts = version.trimmingCharacters(in: .newlines).split(separator: " ")
        let commit = parts.last.map { String($0.dropLast()) } ?? ""
        XCTAssertTrue(body.contains("leadsd_build_info{version=\"\(parts[1])\",commit=\"\(commit)\"} 1\n"), body)
    }

    private static func value(_ prefix: String, in text: String) -> Int {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return 0 }
        return Int(line.dropFirst(prefix.count)) ?? -1
    }
}
