import XCTest
@testable import TLS

final class TLSContextTests: XCTestCase {
    func testMissingCertificateIsAClearError() {
        XCTAssertThrowsError(try TLSContext(certificateChainFile: "/nonexistent/cert.pem", privateKeyFile: "/nonexistent/key.pem")) { error in
            XCTAssertTrue("\(error)".contains("cannot load certificate chain"), "\(error)")
        }
    }
}
