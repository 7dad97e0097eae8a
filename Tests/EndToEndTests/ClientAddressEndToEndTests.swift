import Foundation
import Postgres
import TestSupport
import XCTest

/// Contract §3's client IP through HTTPS: the peer, or what a trusted proxy reports
/// (X-Forwarded-For, PROXY protocol v1 and v2); nobody else can choose the counter they hit.
/// Clients connect from different loopback addresses: 127.0.0.2 is the trusted proxy.
final class ClientAddressEndToEndTests: XCTestCase {
    private static let slot = EndToEndSlot()
    private var environment: EndToEndEnvironment!
    private let leads = EndToEndEnvironment.leads
    private static let proxy = "127.0.0.2"
    private static let guestLimit = 3

    override class func setUp() {
        slot.make {
            try EndToEndEnvironment(prefix: "clientip", arguments: [
                "--trusted-proxies", "\(proxy)/32", "--guest-rate-limit", String(guestLimit),
            ])
        }
    }

    override class func tearDown() { slot.tearDown() }

    override func setUpWithError() throws {
        environment = try Self.slot.get()
    }

    private func hits(_ address: String) throws -> Int {
        Int(try environment.scalar("SELECT coalesce(sum(hits), 0) FROM leadsd_rate_limits WHERE key = $1", ["ip:" + address]) ?? "") ?? -1
    }

    private func statuses(_ client: HTTPSClient, _ count: Int, forwardedFor: (Int) -> String?) throws -> [Int] {
        try (0..<count).map { index in
            let headers = forwardedFor(index).map { [("X-Forwarded-For", $0)] } ?? []
            return try client.json("GET", leads, token: nil, headers: headers).status
        }
    }

    func testATrustedProxysForwardedClientsGetCountersOfTheirOwn() throws {
        try environment.waitForRateWindow()
        let proxy = try environment.client(from: Self.proxy)
        XCTAssertEqual(try statuses(proxy, Self.guestLimit + 1) { _ in "198.51.100.1" }, [401, 401, 401, 429])
        let other = try proxy.json("GET", leads, token: nil, headers: [("X-Forwarded-For", "10.9.9.9, 198.51.100.2")])
        XCTAssertEqual(other.status, 401, "the last address before the trusted proxy is the client")
        XCTAssertEqual(other.header("X-RateLimit-Remaining"), String(Self.guestLimit - 1))
        XCTAssertEqual(try hits("198.51.100.1"), Self.guestLimit + 1)
        XCTAssertEqual(try hits("198.51.100.2"), 1)
        XCTAssertEqual(try hits(Self.proxy), 0, "the proxy itself is not the client")
    }

    func testXForwardedForFromAnUntrustedPeerIsIgnored() throws {
        try environment.waitForRateWindow()
        let client = try environment.client(from: "127.0.0.31")
        // A different made-up address each time does not buy a fresh counter.
        XCTAssertEqual(try statuses(client, Self.guestLimit + 1) { "203.0.113.\($0 + 1)" }, [401, 401, 401, 429])
        XCTAssertEqual(try hits("127.0.0.31"), Self.guestLimit + 1)
        XCTAssertEqual(try hits("203.0.113.1"), 0)
    }

    func testPROXYProtocolV1AndV2FromATrustedProxyNameTheClient() throws {
        let daemon = try EndToEndDaemon(databaseURL: environment.database.url, certificate: environment.certificate, arguments: [
            "--workers", "1", "--proxy-protocol", "--trusted-proxies", "\(Self.proxy)/32",
        ] + EndToEndEnvironment.generousLimits, probeSource: Self.proxy, probeProxyHeader: Array("PROXY UNKNOWN\r\n".utf8))
        defer { daemon.stop() }
        try environment.waitForRateWindow()

        let v1 = try daemon.client(from: Self.proxy)
        v1.proxyHeader = Array("PROXY TCP4 192.0.2.10 127.0.0.1 50000 443\r\n".utf8)
        XCTAssertEqual(try v1.json("GET", leads, token: nil).status, 401)
        XCTAssertEqual(try v1.json("GET", leads, token: environment.fixture.full).status, 200, "TLS and HTTP after the header")

        let v2 = try daemon.client(from: Self.proxy)
        // Signature, version 2 PROXY, TCP over IPv4, 12 address bytes: 192.0.2.20:50001 → 127.0.0.1:443.
        v2.proxyHeader = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0x00, 0x0C,
                          192, 0, 2, 20, 127, 0, 0, 1, 0xC3, 0x51, 0x01, 0xBB]
        XCTAssertEqual(try v2.json("GET", leads, token: nil).status, 401)

        XCTAssertEqual(try hits("192.0.2.10"), 1)
        XCTAssertEqual(try hits("192.0.2.20"), 1)

        // A peer that is not a trusted proxy is not served at all on a PROXY listener.
        let stranger = try daemon.client(from: "127.0.0.32")
        stranger.proxyHeader = Array("PROXY TCP4 192.0.2.30 127.0.0.1 50000 443\r\n".utf8)
        XCTAssertThrowsError(try stranger.json("GET", leads, token: nil))
        XCTAssertEqual(try hits("192.0.2.30"), 0)
    }
}
