@testable import Postgres
import XCTest

final class FIFOTests: XCTestCase {
    func testKeepsOrderAcrossCompaction() {
        var queue = FIFO<Int>()
        var expected: [Int] = []
        var next = 0
        // Interleave appends and pops so the head moves past the compaction threshold often.
        for round in 0..<500 {
            for _ in 0..<(round % 7 + 1) { queue.append(next); expected.append(next); next += 1 }
            for _ in 0..<(round % 5) {
                XCTAssertEqual(queue.popFirst(), expected.isEmpty ? nil : expected.removeFirst())
            }
            XCTAssertEqual(queue.count, expected.count)
            XCTAssertEqual(queue.first, expected.first)
            XCTAssertEqual(Array(queue), expected)
        }
        XCTAssertEqual(queue.removeAll(), expected)
        XCTAssertTrue(queue.isEmpty)
        XCTAssertNil(queue.popFirst())
    }

    func testRemoveWhereKeepsTheRestInOrder() {
        var queue = FIFO<Int>()
        for value in 0..<10 { queue.append(value) }
        _ = queue.popFirst()
        XCTAssertEqual(queue.removeAll(where: { $0 % 3 == 0 }), [3, 6, 9])
        XCTAssertEqual(Array(queue), [1, 2, 4, 5, 7, 8])
        queue.append(10)
        XCTAssertEqual(queue.popFirst(), 1)
        XCTAssertEqual(Array(queue), [2, 4, 5, 7, 8, 10])
    }
}
