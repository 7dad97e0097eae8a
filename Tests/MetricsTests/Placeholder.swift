import XCTest
final class MetricsTestsPlaceholder: XCTestCase { func testBuilds() {} }
