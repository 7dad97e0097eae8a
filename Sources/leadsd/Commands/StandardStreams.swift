#if canImport(Glibc)
import Glibc
#endif

/// Text to stderr with write(2): unbuffered, so it never interleaves with or waits behind
/// stdout, and no reference to C's global `stderr` (not concurrency-safe in Swift 6).
func writeStderr(_ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        bytes = bytes.dropFirst(written)
    }
}

/// One line to stderr, for notes that must not mix into a command's stdout (a token).
func fputsStderr(_ line: String) {
    writeStderr(line + "\n")
}
