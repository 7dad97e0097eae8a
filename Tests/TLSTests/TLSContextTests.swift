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
    /// A key file holds 1 to 8 keys of 80 bytes, the current one first.
    func testTicketKeyFilesHoldWholeKeys() throws {
        let path = "/tmp/leadsd-tls-ticket-\(getpid()).key"
        defer { unlink(path) }
        for (length, keys) in [(80, 1), (160, 2), (640, 8), (79, 0), (81, 0), (0, 0), (720, 0)] {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, length) }
            close(fd)
            XCTAssertEqual((try? TicketKeyRing.keys(inFile: path))?.count ?? 0, keys, "length \(length)")
        }
        XCTAssertThrowsError(try TicketKeyRing.keys(inFile: path + ".missing"))
    }

    /// Rotation: a new current key in front, the previous one kept, older ones gone.
    func testRotationKeepsTheCurrentAndThePreviousKey() throws {
        let ring = try TicketKeyRing()
        XCTAssertEqual(ring.names.count, 1)
        let first = ring.names[0]
        try ring.rotate()
        XCTAssertEqual(ring.names.count, 2)
        XCTAssertEqual(ring.names[1], first)
        XCTAssertNotEqual(ring.names[0], first)
        let second = ring.names[0]
        try ring.rotate()
        XCTAssertEqual(ring.names.count, 2)
        XCTAssertEqual(ring.names[1], second)
        XCTAssertFalse(ring.names.contains(first))
        ring.install([[UInt8](repeating: 1, count: 80), [UInt8](repeating: 2, count: 80), [UInt8](repeating: 3, count: 80)])
        XCTAssertEqual(ring.names, [[UInt8](repeating: 1, count: 16), [UInt8](repeating: 2, count: 16), [UInt8](repeating: 3, count: 16)])
        XCTAssertEqual(ring.source, .file)
        try ring.installRandom()
        XCTAssertEqual(ring.names.count, 1)
        XCTAssertEqual(ring.source, .random)
    }
}
