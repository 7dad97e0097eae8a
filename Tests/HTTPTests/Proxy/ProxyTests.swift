import XCTest
@testable import HTTP

final class IPAddressTests: XCTestCase {
    func testParsing() {
        XCTAssertEqual(IPAddress("192.0.2.1")?.bytes, [192, 0, 2, 1])
        XCTAssertEqual(IPAddress("::1")?.bytes, Array(repeating: 0, count: 15) + [1])
        XCTAssertEqual(IPAddress("2001:db8::8:800:200c:417a")?.description, "2001:db8::8:800:200c:417a")
        XCTAssertEqual(IPAddress("::ffff:10.1.2.3")?.bytes, [10, 1, 2, 3], "IPv4-mapped becomes IPv4")
        for bad in ["", "1.2.3", "256.1.1.1", "1.2.3.4.5", "01.2.3.4x", "::g", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "[::1]", " 1.2.3.4"] {
            XCTAssertNil(IPAddress(bad), bad)
        }
    }

    func testCIDR() throws {
        let ten = try XCTUnwrap(CIDR("10.0.0.0/8"))
        XCTAssertTrue(ten.contains(IPAddress("10.255.1.2")!))
        XCTAssertFalse(ten.contains(IPAddress("11.0.0.1")!))
        XCTAssertTrue(ten.contains(IPAddress("::ffff:10.0.0.1")!))
        XCTAssertFalse(ten.contains(IPAddress("::1")!))
        let odd = try XCTUnwrap(CIDR("192.168.1.128/25"))
        XCTAssertTrue(odd.contains(IPAddress("192.168.1.200")!))
        XCTAssertFalse(odd.contains(IPAddress("192.168.1.127")!))
        XCTAssertEqual(CIDR("192.168.1.77/24")?.description, "192.168.1.0/24", "host bits masked")
        let single = try XCTUnwrap(CIDR("127.0.0.1"))
        XCTAssertTrue(single.contains(IPAddress("127.0.0.1")!))
        XCTAssertFalse(single.contains(IPAddress("127.0.0.2")!))
        let v6 = try XCTUnwrap(CIDR("2001:db8::/32"))
        XCTAssertTrue(v6.contains(IPAddress("2001:db8:ffff::1")!))
        XCTAssertFalse(v6.contains(IPAddress("2001:db9::1")!))
        let v6odd = try XCTUnwrap(CIDR("fd00::/7"))
        XCTAssertTrue(v6odd.contains(IPAddress("fdff::1")!))
        XCTAssertTrue(v6odd.contains(IPAddress("fc00::1")!))
        XCTAssertFalse(v6odd.contains(IPAddress("fe00::1")!))
        XCTAssertTrue(CIDR("0.0.0.0/0")!.contains(IPAddress("8.8.8.8")!))
        XCTAssertTrue(CIDR("::/0")!.contains(IPAddress("2001::1")!))
        XCTAssertTrue(CIDR("::ffff:10.0.0.0/104")!.contains(IPAddress("10.3.3.3")!))
        for bad in ["10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "::/129", "x/8", "10.0.0.0/ 8"] {
            XCTAssertNil(CIDR(bad), bad)
        }
    }
}

final class ProxyProtocolHeaderTests: XCTestCase {
    private func parse(_ bytes: [UInt8]) -> ProxyProtocolHeader.Result {
        bytes.withUnsafeBufferPointer { ProxyProtocolHeader.parse($0) }
    }

    func testV1() {
        let line = Array("PROXY TCP4 198.51.100.7 192.0.2.1 51234 443\r\n".utf8)
        XCTAssertEqual(parse(line + Array("GET".utf8)), .complete(consumed: line.count, source: IPAddress("198.51.100.7")))
        XCTAssertEqual(parse(Array(line[0..<20])), .incomplete)
        XCTAssertEqual(parse(Array("PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n".utf8)),
                       .complete(consumed: 40, source: IPAddress("2001:db8::1")))
        XCTAssertEqual(parse(Array("PROXY UNKNOWN\r\n".utf8)), .complete(consumed: 15, source: nil))
        for bad in ["PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n", "PROXY TCP4 2001::1 5.6.7.8 1 2\r\n", "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
                    "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "GET / HTTP/1.1\r\n", "PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n"] {
            XCTAssertEqual(parse(Array(bad.utf8)), .invalid, bad)
        }
        XCTAssertEqual(parse(Array("PROXY TCP4 ".utf8) + Array(repeating: UInt8(ascii: "1"), count: 120)), .invalid, "longer than 107 bytes")
    }

    func testV2() {
        let signature = ProxyProtocolHeader.v2Signature
        let v4 = signature + [0x21, 0x11, 0, 12, 203, 0, 113, 9, 192, 0, 2, 1, 0xC8, 0x1F, 0x01, 0xBB]
        XCTAssertEqual(parse(v4 + [0x16, 0x03]), .complete(consumed: 28, source: IPAddress("203.0.113.9")))
        XCTAssertEqual(parse(Array(v4[0..<20])), .incomplete)
        XCTAssertEqual(parse(Array(v4[0..<5])), .incomplete)
        var v6 = signature + [0x21, 0x21, 0, 36]
        v6 += IPAddress("2001:db8::7")!.bytes + IPAddress("2001:db8::1")!.bytes + [0, 1, 0, 2]
        XCTAssertEqual(parse(v6), .complete(consumed: 52, source: IPAddress("2001:db8::7")))
        let local = signature + [0x20, 0x00, 0, 0]
        XCTAssertEqual(parse(local), .complete(consumed: 16, source: nil))
        let withTLV = signature + [0x21, 0x11, 0, 15, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2, 0x04, 0, 0]
        XCTAssertEqual(parse(withTLV), .complete(consumed: 31, source: IPAddress("1.2.3.4")))
        XCTAssertEqual(parse(signature + [0x11, 0x11, 0, 12] + Array(repeating: 0, count: 12)), .invalid, "version 1 in binary")
        XCTAssertEqual(parse(signature + [0x22, 0x11, 0, 12] + Array(repeating: 0, count: 12)), .invalid, "unknown command")
        XCTAssertEqual(parse(signature + [0x21, 0x11, 0, 4, 1, 2, 3, 4]), .invalid, "address block too short")
        XCTAssertEqual(parse(signature + [0x21, 0x11, 0xFF, 0xFF]), .invalid, "over our length bound")
        XCTAssertEqual(parse([0x0D, 0x0A, 0x0D, 0x0A, 0x01]), .invalid)
    }
}

final class ForwardedClientTests: XCTestCase {
    private let trusted = [CIDR("127.0.0.1")!, CIDR("10.0.0.0/8")!]

    private func resolve(peer: String, _ fields: [(String, String)], trusted: [CIDR]? = nil) -> ForwardedClient {
        ForwardedClient.resolve(peer: IPAddress(peer), scheme: "http", host: "h", headers: HTTPHeaders(fields),
                                trustedProxies: trusted ?? self.trusted)
    }

    func testUntrustedPeerIsBelievedAlone() {
        let client = resolve(peer: "198.51.100.1", [("X-Forwarded-For", "1.1.1.1"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "evil")])
        XCTAssertEqual(client, ForwardedClient(address: "198.51.100.1", scheme: "http", host: "h"))
    }

    func testRightMostUntrustedAddressWins() {
        let client = resolve(peer: "127.0.0.1", [("X-Forwarded-For", "6.6.6.6, 203.0.113.9"), ("X-Forwarded-For", "10.1.1.1")])
        XCTAssertEqual(client.address, "203.0.113.9", "spoofed left-most entry ignored, trusted hop skipped")
        XCTAssertEqual(resolve(peer: "127.0.0.1", [("X-Forwarded-For", "10.0.0.5, 10.0.0.6")]).address, "10.0.0.5",
                       "all trusted: the left-most")
        XCTAssertEqual(resolve(peer: "127.0.0.1", [("X-Forwarded-For", "203.0.113.9, garbage")]).address, "127.0.0.1",
                       "an unparsable hop stops the walk")
        XCTAssertEqual(resolve(peer: "127.0.0.1", [("X-Forwarded-For", "2001:db8::9")]).address, "2001:db8::9")
        XCTAssertEqual(resolve(peer: "127.0.0.1", []).address, "127.0.0.1")
    }

    func testProtoAndHost() {
        let client = resolve(peer: "10.2.3.4", [("X-Forwarded-Proto", "HTTPS"), ("X-Forwarded-Host", "api.example.com")])
        XCTAssertEqual(client.scheme, "https")
        XCTAssertEqual(client.host, "api.example.com")
        XCTAssertEqual(resolve(peer: "10.2.3.4", [("X-Forwarded-Proto", "gopher")]).scheme, "http")
        XCTAssertEqual(resolve(peer: "10.2.3.4", [("X-Forwarded-Host", "bad host/x")]).host, "h")
    }
}
