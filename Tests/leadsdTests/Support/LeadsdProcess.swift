import Foundation
import TestSupport
import XCTest

/// Runs the real `leadsd` binary (LEADSD_BINARY, else .build/debug/leadsd under the package
/// root) the way an operator does: arguments, environment, stdin, exit code, both streams.
struct LeadsdProcess {
    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var packageRoot: URL {
        // Tests/leadsdTests/Support/LeadsdProcess.swift → the package root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["LEADSD_BINARY"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return packageRoot.appendingPathComponent(".build/debug/leadsd")
    }

    /// `environment` replaces the inherited settings (`DaemonProcess.isSetting`: DATABASE_URL,
    /// LEADSD_*, APP_KEY, ...), so a developer's shell cannot change what a test sees.
    static func start(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !DaemonProcess.isSetting($0.key) }
        env.merge(environment) { _, new in new }
        process.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        return (process, out, err)
    }

    static func finish(_ started: (Process, Pipe, Pipe)) -> Outcome {
        let (process, out, err) = started
        // Outputs are small; read them before waiting so a full pipe can never block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus,
                       stdout: String(decoding: stdout, as: UTF8.self),
                       stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
                    file: StaticString = #filePath, line: UInt = #line) throws -> Outcome {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            XCTFail("no leadsd binary at \(binary.path): run swift build first, or set LEADSD_BINARY", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        return finish(try start(arguments, environment: environment, stdin: stdin))
    }
}
