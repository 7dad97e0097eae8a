#if canImport(Glibc)
import Glibc
#endif

/// `--app-key-file`: Laravel's `APP_KEY` in a file of its own, for systemd credentials
/// (`LoadCredential=app-key:/etc/leadsd/app-key`) rather than the environment.
///
///     base64:Xb3…=                 ← line 1: APP_KEY, as in Laravel's .env
///     base64:Qm9…=                 ← further lines, if any: previous keys (APP_PREVIOUS_KEYS)
///
/// Empty lines and a trailing newline (or CRLF) are ignored. Like OpenSSH with a private
/// key, a file that its group or others may read is refused: the key decrypts every name.
enum AppKeyFile {
    static let maxBytes = 64 * 1024

    /// The lines that hold keys, the current key first.
    static func read(path: String) throws(ConfigurationError) -> [String] {
        func failure(_ reason: String) -> ConfigurationError { ConfigurationError("--app-key-file \(path): \(reason)") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw failure(String(cString: strerror(errno))) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw failure("not a regular file") }
        let mode = status.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw failure("readable by its group or others (mode \(String(mode, radix: 8))); chmod 600 it")
        }
        guard status.st_size <= maxBytes else { throw failure("larger than \(maxBytes) bytes") }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size) + 1)
        var count = 0
        while count < bytes.count {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
            if got > 0 { count += got } else if got < 0, errno == EINTR { continue } else if got < 0 {
                throw failure(String(cString: strerror(errno)))
            } else { break }
        }
        guard count <= maxBytes else { throw failure("larger than \(maxBytes) bytes") }
        let lines = bytes[0..<count].split(separator: UInt8(ascii: "\n")).map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        }.filter { !$0.isEmpty }
        guard !lines.isEmpty else { throw failure("holds no key") }
        return lines
    }
}
