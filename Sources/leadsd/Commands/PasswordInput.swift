#if canImport(Glibc)
import Glibc
#endif

/// Reads a password from stdin: without echo from a terminal, or the first line of a pipe.
/// Never from argv, where `ps` and shell history would show it.
enum PasswordInput {
    /// bcrypt uses only the first 72 bytes; refusing longer ones avoids a false sense of strength.
    static let maximumBytes = 72

    static func read(prompt: String) throws(CommandFailure) -> String {
        let interactive = isatty(STDIN_FILENO) == 1
        var saved = termios()
        if interactive {
            writeStderr(prompt)
            tcgetattr(STDIN_FILENO, &saved)
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        }
        let line = readLine(strippingNewline: true)
        if interactive {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            writeStderr("\n")
        }
        guard var password = line else {
            throw CommandFailure("No password on stdin: pipe it in, e.g. printf '%s\\n' \"$PASSWORD\" | leadsd user add ...")
        }
        if password.hasSuffix("\r") { password.removeLast() }
        guard !password.isEmpty else { throw CommandFailure("The password must not be empty.") }
        guard password.utf8.count <= maximumBytes else {
            throw CommandFailure("The password must be at most \(maximumBytes) bytes (bcrypt ignores the rest).")
        }
        guard !password.utf8.contains(0) else { throw CommandFailure("The password must not contain NUL.") }
        return password
    }
}
