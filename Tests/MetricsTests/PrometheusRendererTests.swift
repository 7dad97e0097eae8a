import XCTest
@testable import Metrics

final class PrometheusRendererTests: XCTestCase {
    func testHistogramIsCumulativeWithSumAndCount() throws {
        let region = try MetricsRegion(slots: 2)
        region.slot(0).recordRequest(route: "/healthz", status: 200, durationMicroseconds: 500)
        region.slot(1).recordRequest(route: "/healthz", status: 200, durationMicroseconds: 3_000)
        region.slot(1).recordRequest(route: "/healthz", status: 503, durationMicroseconds: 20_000_000)
        let text = PrometheusRenderer.render(region)
        XCTAssertTrue(text.contains("leadsd_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.001\"} 1\n"), text)
        XCTAssertTrue(text.contains("leadsd_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0025\"} 1\n"), text)
        XCTAssertTrue(text.contains("leadsd_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 2\n"), text)
        XCTAssertTrue(text.contains("leadsd_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"10\"} 2\n"), text)
        XCTAssertTrue(text.contains("leadsd_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 3\n"), text)
        XCTAssertTrue(text.contains("leadsd_http_request_duration_seconds_sum{route=\"/healthz\"} 20.0035\n"), text)
        XCTAssertTrue(text.contains("leadsd_http_request_duration_seconds_count{route=\"/healthz\"} 3\n"), text)
        XCTAssertTrue(text.contains("leadsd_http_requests_total{route=\"/healthz\",status=\"503\"} 1\n"), text)
    }

    func testUnlistedStatusesAreCountedByClassAndUnmatchedRoutesByTheirLabel() throws {
        let region = try MetricsRegion(slots: 1)
        region.slot(0).recordRequest(route: nil, status: 418, durationMicroseconds: 1)
        region.slot(0).recordRequest(route: nil, status: 404, durationMicroseconds: 1)
        let text = PrometheusRenderer.render(region)
        XCTAssertTrue(text.contains("leadsd_http_requests_total{route=\"(unmatched)\",status=\"4xx\"} 1\n"), text)
        XCTAssertTrue(text.contains("leadsd_http_requests_total{route=\"(unmatched)\",status=\"404\"} 1\n"), text)
    }

    func testLabelValuesAreEscaped() {
        XCTAssertEqual(PrometheusRenderer.escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd")
    }

    func testSecondsAreWrittenWithoutFloatingPointNoise() {
        XCTAssertEqual(PrometheusRenderer.seconds(2_500), "0.0025")
        XCTAssertEqual(PrometheusRenderer.seconds(1_000_000), "1")
        XCTAssertEqual(PrometheusRenderer.seconds(12_500_000), "12.5")
        XCTAssertEqual(PrometheusRenderer.seconds(0), "0")
    }

    func testEveryMetricHasHelpAndTypeAndMasterCountersAppear() throws {
        let region = try MetricsRegion(slots: 1)
        region.recordWorkerRestart()
        region.recordWorkerRestart()
        region.setLiveWorkers(4)
        let text = PrometheusRenderer.render(region)
        XCTAssertTrue(text.contains("leadsd_worker_restarts_total 2\n"), text)
        XCTAssertTrue(text.contains("leadsd_workers 4\n"), text)
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            var family = String(line.prefix { $0 != "{" && $0 != " " })
            for suffix in ["_bucket", "_sum", "_count"] where family.hasPrefix("leadsd_http_request_duration") && family.hasSuffix(suffix) {
                family = String(family.dropLast(suffix.count))
            }
            XCTAssertTrue(text.contains("# TYPE \(family) "), "no TYPE for \(line)")
        }
    }
}
