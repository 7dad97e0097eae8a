import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import TLS

final class TLSContextTests: XCTestCase {
    func testMissingCertificateIsAClearError() {
        XCTAssertThrowsError(try TLSContext(certificateChainFile: "/nonexistent/cert.pem", privateKeyFile: "/nonexistent/key.pem")) { error in
            XCTAssertTrue("\(error)".contains("cannot load certificate chain"), "\(error)")
        }
    }
}

extension TLSContextTests {
    func testTicketKeyFileMustHoldEightyBytes() throws {
        let path = "/tmp/leadsd-tls-ticket-\(getpid()).key"
        defer { unlink(path) }
        for (length, valid) in [(80, true), (79, false), (81, false), (0, false)] {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            let bytes = [UInt8](repeating: 7, count: length)
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, length) }
            close(fd)
            XCTAssertEqual((try? TLSContext.readTicketKeys(path))?.count == 80, valid, "length \(length)")
        }
        XCTAssertEqual(try TLSContext.randomTicketKeys().count, 80)
        XCTAssertNotEqual(try TLSContext.randomTicketKeys(), try TLSContext.randomTicketKeys())
    }
}
