#if canImport(Glibc)
import Glibc
#endif
import XCTest
@testable import Metrics

final class MetricsRegionTests: XCTestCase {
    func testRouteNamesAreRegisteredOnceAndReadBack() throws {
        let region = try MetricsRegion(slots: 2)
        let a = try XCTUnwrap(region.routeIndex("/crm/api/v2/leads"))
        let b = try XCTUnwrap(region.routeIndex("/crm/api/v2/leads/{uuid}"))
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(region.routeIndex("/crm/api/v2/leads"), a)
        XCTAssertEqual(region.routeNames()[a], "/crm/api/v2/leads")
        XCTAssertEqual(region.routeNames()[0], MetricsLayout.overflowRoute)
    }

    func testLongRouteNamesAreCutOnACharacterBoundary() throws {
        let region = try MetricsRegion(slots: 1)
        let long = String(repeating: "é", count: 100)  // 200 bytes
        let index = try XCTUnwrap(region.routeIndex(long))
        let stored = try XCTUnwrap(region.routeNames()[index])
        XCTAssertEqual(stored, String(repeating: "é", count: MetricsLayout.routeNameBytes / 2))
    }

    func testAFullRouteTableCountsUnderTheOverflowLabel() throws {
        let region = try MetricsRegion(slots: 1)
        let metrics = region.slot(0)
        for index in 0..<(MetricsLayout.maxRoutes + 5) {
            metrics.recordRequest(route: "/r\(index)", status: 200, durationMicroseconds: 10)
        }
        // Two columns are taken by the fixed labels, so 64 + 5 - 62 names overflow.
        let text = PrometheusRenderer.render(region)
        XCTAssertTrue(text.contains("leadsd_http_requests_total{route=\"(other)\",status=\"200\"} 7\n"), text)
        XCTAssertTrue(text.contains("leadsd_http_requests_total{route=\"/r61\",status=\"200\"} 1\n"), text)
        XCTAssertFalse(text.contains("route=\"/r62\""), text)
    }

    func testSlotsWrittenByForkedChildrenAreSummedInTheParent() throws {
        let region = try MetricsRegion(slots: 3)
        var children: [pid_t] = []
        for slot in 0..<3 {
            let pid = fork()
            if pid == 0 {
                let metrics = region.slot(slot)
                for _ in 0..<(slot + 1) {
                    metrics.recordRequest(route: "/crm/api/v2/leads", status: 200, durationMicroseconds: 3_000)
                }
                metrics.connectionOpened()
                metrics.recordRateLimitRejection(.guest)
                _exit(0)
            }
            XCTAssertGreaterThan(pid, 0)
            children.append(pid)
        }
        for pid in children {
            var status: Int32 = 0
            XCTAssertEqual(waitpid(pid, &status, 0), pid)
        }
        let text = PrometheusRenderer.render(region)
        XCTAssertTrue(text.contains("leadsd_http_requests_total{route=\"/crm/api/v2/leads\",status=\"200\"} 6\n"), text)
        XCTAssertTrue(text.contains("leadsd_http_open_connections 3\n"), text)
        XCTAssertTrue(text.contains("leadsd_rate_limit_rejections_total{limit=\"guest\"} 3\n"), text)
        region.resetGauges(slot: 1)
        XCTAssertTrue(PrometheusRenderer.render(region).contains("leadsd_http_open_connections 2\n"))
        XCTAssertTrue(PrometheusRenderer.render(region).contains("leadsd_http_connections_total 3\n"))
    }

    func testGaugesGoDownWhenConnectionsClose() throws {
        let region = try MetricsRegion(slots: 1)
        let metrics = region.slot(0)
        metrics.connectionOpened()
        metrics.connectionOpened()
        metrics.connectionClosed()
        metrics.recordDatabasePool(DatabasePoolSample(connectionsUp: 4, connectionsConnecting: 1, batchesInFlight: 7, batchesPending: 2))
        let text = PrometheusRenderer.render(region)
        XCTAssertTrue(text.contains("leadsd_http_open_connections 1\n"), text)
        XCTAssertTrue(text.contains("leadsd_db_connections{state=\"up\"} 4\n"), text)
        XCTAssertTrue(text.contains("leadsd_db_connections{state=\"connecting\"} 1\n"), text)
        XCTAssertTrue(text.contains("leadsd_db_batches{state=\"in_flight\"} 7\n"), text)
        XCTAssertTrue(text.contains("leadsd_db_batches{state=\"pending\"} 2\n"), text)
        region.resetGauges(slot: 0)
        XCTAssertTrue(PrometheusRenderer.render(region).contains("leadsd_db_connections{state=\"up\"} 0\n"))
    }

    /// A new worker in a slot starts its pool counters from zero; the slot's totals must not
    /// go down, so they continue from what the previous worker left.
    func testDatabaseCountersContinueAcrossTheWorkersOfASlot() throws {
        let region = try MetricsRegion(slots: 1)
        let first = region.slot(0)
        first.recordDatabasePool(DatabasePoolSample(batchesSucceeded: 10, timeouts: 1))
        first.recordDatabasePool(DatabasePoolSample(batchesSucceeded: 25, timeouts: 2, connectFailures: 3))
        region.resetGauges(slot: 0)
        let second = region.slot(0)  // the replacement worker
        second.recordDatabasePool(DatabasePoolSample(batchesSucceeded: 4))
        let text = PrometheusRenderer.render(region)
        XCTAssertTrue(text.contains("leadsd_db_batches_total{result=\"ok\"} 29\n"), text)
        XCTAssertTrue(text.contains("leadsd_db_batches_total{result=\"timeout\"} 2\n"), text)
        XCTAssertTrue(text.contains("leadsd_db_connect_failures_total 3\n"), text)
    }
}
