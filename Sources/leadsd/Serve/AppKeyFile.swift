/// `--app-key-file`: Laravel's `APP_KEY` in a file of its own rather than the environment;
/// under systemd, the `app-key` credential
/// (`LoadCredential=app-key:/etc/leadsd/credentials/app-key`) stands in for it.
///
///     base64:Xb3…=                 ← line 1: APP_KEY, as in Laravel's .env
///     base64:Qm9…=                 ← further lines, if any: previous keys (APP_PREVIOUS_KEYS)
///
/// Empty lines and a trailing newline (or CRLF) are ignored. The key decrypts every name: a
/// file that its group or others may read is refused as a TLS private key is
/// (`KeyFilePermissions`: the same rule for credentials, the same `--allow-readable-key`).
enum AppKeyFile {
    static let flag = "--app-key-file"

    /// The lines that hold keys, the current key first.
    static func read(path: String, allowReadable: Bool) throws(ConfigurationError) -> [String] {
        if !allowReadable { try KeyFilePermissions.check(path, flag: flag) }
        // By bytes: as Characters, "\r\n" is one grapheme and no "\n".
        let lines = try SmallFile.read(path, what: flag).utf8.split(separator: UInt8(ascii: "\n")).map { line in
            String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
        }.filter { !$0.isEmpty }
        guard !lines.isEmpty else { throw ConfigurationError("\(flag) \(path): holds no key") }
        return lines
    }
}
