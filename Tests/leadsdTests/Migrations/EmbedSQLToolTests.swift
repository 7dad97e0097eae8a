import Foundation
import XCTest

/// The build-time tool behind EmbedSQLPlugin: what it accepts, what it refuses, and that
/// any SQL text survives the trip into a Swift raw string.
final class EmbedSQLToolTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("embed-sql-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    private func embed(_ files: [String: String]) throws -> (status: Int32, output: String, stderr: String) {
        for (name, text) in files {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let tool = LeadsdProcess.binary.deletingLastPathComponent().appendingPathComponent("EmbedSQL")
        let output = folder.appendingPathComponent("out/Embedded.swift")
        let process = Process()
        process.executableURL = tool
        process.arguments = [folder.path, output.path] + files.keys.sorted()
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        return (process.terminationStatus, text, stderr)
    }

    func testOrdersByVersionAndKeepsTextThatLooksLikeSwift() throws {
        let tricky = ###"SELECT '"""#', '\#(x)', E'\\n';"###
        let result = try embed(["010_later.sql": "SELECT 10;\n", "002_tricky.sql": tricky])
        XCTAssertEqual(result.status, 0, result.stderr)
        let first = try XCTUnwrap(result.output.range(of: "version: 2, name: \"tricky\""))
        let second = try XCTUnwrap(result.output.range(of: "version: 10, name: \"later\""))
        XCTAssertLessThan(first.lowerBound, second.lowerBound)
        XCTAssertTrue(result.output.contains(tricky))
        // The delimiter grew past every run of # the text contains.
        XCTAssertTrue(result.output.contains("sql: ##\"\"\""), result.output)
    }

    func testRefusesBadNamesAndDuplicateVersions() throws {
        for files in [["01_short.sql": "x"], ["010_Upper.sql": "x"], ["000_zero.sql": "x"], ["abc_name.sql": "x"],
                      ["010_a.sql": "x", "010_b.sql": "y"]] {
            let result = try embed(files)
            XCTAssertNotEqual(result.status, 0, "\(files.keys)")
            XCTAssertTrue(result.stderr.hasPrefix("error: sql/"), result.stderr)
            for name in files.keys { try? FileManager.default.removeItem(at: folder.appendingPathComponent(name)) }
        }
    }
}
