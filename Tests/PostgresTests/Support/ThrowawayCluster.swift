import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL cluster of its own under /tmp, for tests that stop or restart the server
/// (the shared cluster must never be restarted). Runs as `postgres` via runuser when the
/// tests run as root, since PostgreSQL refuses to run as root.
final class ThrowawayCluster {
    let directory: String
    let port: Int
    private let binaries: String

    var dataDirectory: String { directory + "/data" }
    var connectionString: String { "host=127.0.0.1 port=\(port) user=postgres dbname=postgres sslmode=disable" }

    init() throws {
        binaries = try Self.findBinaries()
        port = try PostgresPoolBackpressureTests.unusedPort()
        directory = "/tmp/leadsd-postgres-tests-\(getpid())-\(port)"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 {
            try Self.run("/bin/chown", ["postgres:postgres", directory])
        }
        try runAsPostgres("initdb", ["-D", dataDirectory, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
        try pgctl(["start", "-w", "-t", "30"])
    }

    /// `pg_ctl restart -m fast`: disconnects every client, checkpoints, starts again.
    func restartFast() throws {
        try pgctl(["restart", "-m", "fast", "-w", "-t", "30"])
    }

    func destroy() {
        _ = try? pgctl(["stop", "-m", "immediate", "-w", "-t", "30"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func pgctl(_ arguments: [String]) throws {
        let options = "-p \(port) -c listen_addresses=127.0.0.1 -k \(directory) -c fsync=off"
        try runAsPostgres("pg_ctl", ["-D", dataDirectory, "-l", directory + "/server.log", "-o", options] + arguments)
    }

    private func runAsPostgres(_ tool: String, _ arguments: [String]) throws {
        let path = binaries + "/" + tool
        if getuid() == 0 {
            try Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments)
        } else {
            try Self.run(path, arguments)
        }
    }

    private static func findBinaries() throws -> String {
        var candidates = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"]
        if let configured = ProcessInfo.processInfo.environment["LEADSD_TEST_POSTGRES_BIN"] { candidates.insert(configured, at: 0) }
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate + "/pg_ctl") {
            return candidate
        }
        XCTFail("no PostgreSQL server binaries (pg_ctl) in \(candidates); set LEADSD_TEST_POSTGRES_BIN")
        throw XCTSkip("no PostgreSQL server binaries")
    }

    /// Runs a tool to completion with posix_spawn, output to a file, every other descriptor
    /// closed. Not Foundation's Process: it notices a child's exit through a descriptor the
    /// child inherits, and the postmaster that `pg_ctl start` leaves running keeps it open.
    private static func run(_ executable: String, _ arguments: [String]) throws {
        let logPath = "/tmp/leadsd-postgres-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).out"
        defer { unlink(logPath) }
        markDescriptorsCloseOnExec()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw ClusterError(message: "posix_spawn \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitedCleanly = (status & 0x7f) == 0 && ((status >> 8) & 0xff) == 0
        guard exitedCleanly else {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw ClusterError(message: "\(executable) \(arguments.joined(separator: " ")) failed (status \(status)): \(text)")
        }
    }

    /// Every descriptor above stderr gets FD_CLOEXEC, so neither pg_ctl nor the postmaster
    /// it leaves running inherits one (Swift cannot see posix_spawn_file_actions_addclosefrom_np).
    private static func markDescriptorsCloseOnExec() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for name in names {
            guard let descriptor = Int32(name), descriptor > 2 else { continue }
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    struct ClusterError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
