import XCTest
final class LeadsAPITestsPlaceholder: XCTestCase { func testBuilds() {} }
