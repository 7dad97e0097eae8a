import XCTest
final class leadsdTestsPlaceholder: XCTestCase { func testBuilds() {} }
