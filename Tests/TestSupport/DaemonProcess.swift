#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A `leadsd serve` started for a test: its own process group, stdout and stderr in files,
/// ports chosen by the kernel (`127.0.0.1:0`) and read back from the master's start line.
/// `stop()` sends SIGTERM and waits; `deinit` kills whatever is left.
public final class DaemonProcess: @unchecked Sendable {
    // Sendable: tests use one instance from one thread at a time, except `request`, which
    // only reads the immutable ports.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public private(set) var pid: pid_t = 0
    public private(set) var port: UInt16 = 0
    public private(set) var metricsPort: UInt16 = 0
    public let stdoutPath: String
    public let stderrPath: String
    public let directory: String
    private var exitStatus: Int32?

    /// The daemon binary: `LEADSD_BINARY`, else `.build/debug/leadsd` of this package.
    public static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["LEADSD_BINARY"], !path.isEmpty { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/leadsd").path
    }

    /// `DATABASE_URL` for daemons in tests: `LEADSD_TEST_DATABASE_URL` when set; else an
    /// address where nothing listens (enough for tests of the process, not of the API).
    public static var defaultDatabaseURL: String {
        ProcessInfo.processInfo.environment["LEADSD_TEST_DATABASE_URL"] ?? "postgresql://leadsd@127.0.0.1:1/unused"
    }

    public init() {
        directory = NSTemporaryDirectory() + "leadsd-daemon-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        stdoutPath = directory + "/stdout.log"
        stderrPath = directory + "/stderr.log"
    }

    deinit {
        if pid > 0, exitStatus == nil {
            kill(-pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }

    /// Variables leadsd reads as settings, which a test's daemon never inherits from the
    /// developer's shell (a test that wants one passes it).
    public static func isSetting(_ name: String) -> Bool {
        name.hasPrefix("LEADSD_") || ["DATABASE_URL", "APP_KEY", "APP_PREVIOUS_KEYS", "CREDENTIALS_DIRECTORY"].contains(name)
    }

    /// Starts the daemon and, unless `waitForHealth` is false, waits until every worker
    /// accepts and `/healthz` is 200.
    /// `--listen`, `--metrics-listen` (unless `addListenFlags` is false: the test sets them
    /// through the environment), `--plain-http` and `DATABASE_URL` are added unless given.
    /// `standardOutput`: a descriptor to give the daemon as its stdout instead of `stdoutPath`.
    /// `launcher`: a command that execs the daemon's argv given after it (a wrapper such as
    /// `unshare`); the pid stays the daemon's only if the launcher execs rather than forks.
    public func start(
        arguments: [String] = [], environment: [String: String] = [:], waitForHealth: Bool = true, addListenFlags: Bool = true,
        timeout: TimeInterval = 20, viaShell: String? = nil, inheritFDs: [Int32] = [], standardOutput: Int32? = nil,
        launcher: [String] = []
    ) throws {
        var args = ["serve"] + arguments
        if addListenFlags, !arguments.contains("--listen") { args += ["--listen", "127.0.0.1:0"] }
        if addListenFlags, !arguments.contains("--metrics-listen") { args += ["--metrics-listen", "127.0.0.1:0"] }
        if !arguments.contains("--plain-http"), !arguments.contains("--tls-cert") { args.append("--plain-http") }
        var env = ProcessInfo.processInfo.environment.filter {
            !Self.isSetting($0.key) && $0.key != "NOTIFY_SOCKET" && !$0.key.hasPrefix("LISTEN_")
        }
        env["DATABASE_URL"] = Self.defaultDatabaseURL
        for (key, value) in environment { env[key] = value }

        var argv: [String]
        if let shell = viaShell {
            // For socket activation: the shell learns its pid ($$) and execs the daemon.
            argv = ["/bin/sh", "-c", shell + " exec \"$0\" \"$@\"", Self.binaryPath] + args
        } else {
            argv = [Self.binaryPath] + args
        }
        argv = launcher + argv
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let standardOutput {
            posix_spawn_file_actions_adddup2(&actions, standardOutput, 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Passed sockets become fds 3, 4, … as systemd passes them.
        for (index, fd) in inheritFDs.enumerated() { posix_spawn_file_actions_adddup2(&actions, fd, 3 + Int32(index)) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        // The test runner may block signals; the daemon must start with none blocked.
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK))
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        let result = posix_spawn(&pid, argv[0], &actions, &attributes, cArgs, cEnv)
        guard result == 0 else { throw Failure("posix_spawn \(argv[0]): \(String(cString: strerror(result)))") }

        let deadline = Date().addingTimeInterval(timeout)
        while port == 0 {
            if let line = stderrLines().first(where: { $0.contains("\"master_started\"") }) {
                port = UInt16(Self.field("port", in: line) ?? "") ?? 0
                metricsPort = UInt16(Self.field("metrics_port", in: line) ?? "") ?? 0
                if port == 0 { throw Failure("no port in \(line)") }
                break
            }
            if let status = poll() { throw Failure("daemon exited (\(status)) before it listened: \(stderr())") }
            if Date() > deadline { throw Failure("daemon did not start within \(timeout) s: \(stderr())") }
            usleep(20_000)
        }
        guard waitForHealth else { return }
        while Date() < deadline {
            // Every worker accepts (the master's "ready" line), and the API answers.
            if stderr().contains("\"event\":\"ready\""), let response = request("/healthz"), response.status == 200 { return }
            if let status = poll() { throw Failure("daemon exited (\(status)): \(stderr())") }
            usleep(20_000)
        }
        throw Failure("/healthz did not answer 200 within \(timeout) s: \(stderr())")
    }

    /// The exit status once the master has exited (reaping it), else nil.
    @discardableResult
    public func poll() -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        exitStatus = status
        return status
    }

    public func signal(_ number: Int32) { kill(pid, number) }

    /// SIGTERM, then waits up to `timeout` for the master to exit; returns its wait status
    /// (0 = exited with 0), or nil when it had to be killed.
    @discardableResult
    public func stop(timeout: TimeInterval = 40) -> Int32? {
        guard pid > 0 else { return nil }
        if let status = poll() { return status }
        kill(pid, SIGTERM)
        return waitForExit(timeout: timeout)
    }

    public func waitForExit(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = poll() { return status }
            usleep(10_000)
        }
        kill(-pid, SIGKILL)
        _ = waitForExitBlocking()
        return nil
    }

    private func waitForExitBlocking() -> Int32 {
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        exitStatus = status
        return status
    }

    /// The live children of the master (its workers).
    public func workerPIDs() -> Set<pid_t> {
        var result: Set<pid_t> = []
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return result }
        for entry in entries {
            guard let child = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8) else { continue }
            // Fields after the ")" that closes the command name: state, ppid, …
            guard let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, fields[0] != "Z", pid_t(fields[1]) == pid { result.insert(child) }
        }
        return result
    }

    public func stdout() -> String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public func stderr() -> String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
    public func stderrLines() -> [String] { stderr().split(separator: "\n").map(String.init) }

    public struct Response: Sendable {
        public let status: Int
        public let head: String
        public let body: String
    }

    /// One plain-HTTP request over loopback (`Connection: close`); nil when the connection
    /// failed or the answer was not HTTP. `timeout` bounds the whole exchange.
    public func request(_ path: String, method: String = "GET", headers: [String: String] = [:], port: UInt16? = nil, timeout: TimeInterval = 10) -> Response? {
        Self.request(port: port ?? self.port, path: path, method: method, headers: headers, timeout: timeout)
    }

    /// A TCP connection to 127.0.0.1:`port` with `timeout` on connecting, sending and
    /// receiving; the descriptor, or the errno of the failure (ECONNREFUSED: nothing listens).
    public static func connect(port: UInt16, timeout: TimeInterval) -> Result<Int32, POSIXError> {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .failure(POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - floor(timeout)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = POSIXErrorCode(rawValue: errno) ?? .EIO
            close(fd)
            return .failure(POSIXError(code))
        }
        return .success(fd)
    }

    public static func request(port: UInt16, path: String, method: String = "GET", headers: [String: String] = [:], timeout: TimeInterval = 10) -> Response? {
        guard case .success(let fd) = connect(port: port, timeout: timeout) else { return nil }
        defer { close(fd) }
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count else { return nil }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { received += buffer[0..<count]; continue }
            if count == 0 { break }
            return nil  // reset or timeout
        }
        let response = String(decoding: received, as: UTF8.self)
        guard response.hasPrefix("HTTP/1."), let split = response.range(of: "\r\n\r\n") else { return nil }
        let head = String(response[..<split.lowerBound])
        let statusText = head.split(separator: " ").dropFirst().first ?? ""
        guard let status = Int(statusText) else { return nil }
        return Response(status: status, head: head, body: String(response[split.upperBound...]))
    }

    /// The string value of `"name":"value"` in a JSON log line.
    public static func field(_ name: String, in line: String) -> String? {
        guard let start = line.range(of: "\"\(name)\":\"") else { return nil }
        let rest = line[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}
