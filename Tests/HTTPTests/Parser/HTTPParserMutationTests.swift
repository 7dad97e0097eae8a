@testable import HTTP
import XCTest

/// Seeded mutations of valid requests: the parser must never trap, must answer the same
/// whether the bytes arrive at once or one at a time, and whatever it accepts must be clean
/// (no control bytes in names or values, a target that starts with `/`). A failing seed is
/// printed, so a finding can be replayed and kept as a regular test.
final class HTTPParserMutationTests: XCTestCase {
    static let corpus: [String] = [
        "GET /crm/api/v2/leads?page=2&per_page=5 HTTP/1.1\r\nHost: leads.test\r\nAuthorization: Bearer 1|abc\r\n\r\n",
        "POST /crm/api/v2/leads HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n",
        "PUT /crm/api/v2/leads/8c1b7a8e-2f0e-4c52-9a57-1f9d5c0e3b21 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HEAD /healthz HTTP/1.0\r\nConnection: keep-alive\r\nHost: b\r\nExpect: 100-continue\r\n\r\n",
        "DELETE /crm/api/v2/auth/token HTTP/1.1\r\nHost: c:8443\r\nX-Forwarded-For: 10.0.0.1, 10.0.0.2\r\n\r\n",
    ]

    /// Bytes that make parsers go wrong: line ends, separators, NUL, DEL, high bytes.
    static let interesting: [UInt8] = [0x0D, 0x0A, 0x00, 0x09, 0x20, 0x3A, 0x2C, 0x3B, 0x2F, 0x3F, 0x25, 0x7F, 0x80, 0xC3, 0xFF, 0x30, 0x39, 0x2D, 0x2B]

    /// SplitMix64: a small generator whose sequence is fixed by its seed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func mutate(_ input: [UInt8], using generator: inout Generator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &generator) where !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &generator)
            let byte = Bool.random(using: &generator) ? interesting.randomElement(using: &generator)! : UInt8.random(in: 0...255, using: &generator)
            switch Int.random(in: 0..<6, using: &generator) {
            case 0: bytes[at] = byte
            case 1: bytes.insert(byte, at: at)
            case 2: bytes.remove(at: at)
            case 3: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 24)], at: at)
            case 4: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &generator)))
            default: bytes.insert(contentsOf: Array("\r\nContent-Length: \(Int.random(in: -1...99, using: &generator))".utf8), at: at)
            }
        }
        return bytes
    }

    func testMutatedHeadsNeverTrapAndAreParsedAlikeInPieces() {
        var generator = Generator(state: 0x1EAD5D)
        var accepted = 0, rejected = 0
        for round in 0..<6_000 {
            let seed = Self.corpus[round % Self.corpus.count]
            let bytes = Self.mutate(Array(seed.utf8), using: &generator)
            let whole = parseHead(bytes)
            let pieces = parseHead(bytes, bytewise: true)
            let context = "round \(round): \(String(decoding: bytes, as: UTF8.self).debugDescription)"
            switch (whole, pieces) {
            case (.head(let a, let consumedA), .head(let b, let consumedB)):
                accepted += 1
                XCTAssertEqual(consumedA, consumedB, context)
                XCTAssertEqual(a.method, b.method, context)
                XCTAssertEqual(a.target, b.target, context)
                XCTAssertEqual(a.framing, b.framing, context)
                assertClean(a, context)
            case (.failed(let a), .failed(let b)):
                rejected += 1
                XCTAssertEqual(a.response.status, b.response.status, context)
                XCTAssertTrue([400, 413, 431].contains(a.response.status), context)
            case (.incomplete, .incomplete):
                break
            default:
                XCTFail("whole and bytewise parses disagree (\(whole) vs \(pieces)) in \(context)")
            }
        }
        // The mutations must exercise both sides, or the test proves nothing.
        XCTAssertGreaterThan(accepted, 500)
        XCTAssertGreaterThan(rejected, 1_000)
    }

    func testMutatedChunkedBodiesNeverTrapAndDecodeAlikeInPieces() {
        var generator = Generator(state: 0xC4A2C3)
        let seed = Array("5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n".utf8)
        var complete = 0, failed = 0
        for round in 0..<6_000 {
            let bytes = Self.mutate(seed, using: &generator)
            let whole = decodeBody(bytes, framing: .chunked)
            let pieces = decodeBody(bytes, framing: .chunked, step: 1)
            let context = "round \(round): \(String(decoding: bytes, as: UTF8.self).debugDescription)"
            switch (whole, pieces) {
            case (.failed(let a), .failed(let b)):
                failed += 1
                XCTAssertEqual(a.response.status, b.response.status, context)
            case (.complete(let a, let consumedA), .complete(let b, let consumedB)):
                complete += 1
                XCTAssertEqual(a, b, context)
                XCTAssertEqual(consumedA, consumedB, context)
            case (.needMore, .needMore):
                break
            default:
                XCTFail("whole and bytewise decodes disagree (\(whole) vs \(pieces)) in \(context)")
            }
        }
        XCTAssertGreaterThan(complete, 100)
        XCTAssertGreaterThan(failed, 1_000)
    }

    private func assertClean(_ head: HTTPRequestHead, _ context: String) {
        XCTAssertTrue(head.target.hasPrefix("/") || head.target == "*", context)
        XCTAssertFalse(head.target.utf8.contains { $0 <= 0x20 || $0 == 0x7F }, context)
        XCTAssertFalse(head.method.isEmpty, context)
        for (name, value) in head.headers {
            XCTAssertFalse(name.isEmpty, context)
            XCTAssertFalse(name.utf8.contains { $0 <= 0x20 || $0 == 0x3A || $0 == 0x7F }, context)
            XCTAssertFalse(value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }, context)
            XCTAssertEqual(value, value.trimmingCharacters(in: [" ", "\t"]), context)
        }
    }
}
