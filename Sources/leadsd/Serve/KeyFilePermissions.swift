#if canImport(Glibc)
import Glibc
#endif

/// Key files (the TLS private key, session ticket keys, Laravel's app key) that the group or
/// others may read are refused, as OpenSSH refuses an identity file that is too open: a key
/// readable by every local user is a leaked key, and the operator should hear so at start,
/// not find out later. `--allow-readable-key` accepts them (a key shared through a group on
/// purpose, like Debian's `ssl-cert`).
///
///     try KeyFilePermissions.check("/run/credentials/leadsd.service/tls-key", flag: "--tls-key")
enum KeyFilePermissions {
    /// A file that does not exist passes: loading it reports that better.
    ///
    /// A systemd credential is judged by its "other" bits only: systemd writes it 0400 and
    /// grants the service's user read access with an ACL entry where the file system has
    /// ACLs, and `stat` shows an ACL's mask in the group bits (0440) although no group may
    /// read it (src/core/exec-credential.c, write_credential; on ramfs it chowns instead).
    static func check(_ path: String, flag: String) throws(ConfigurationError) {
        var status = stat()
        guard stat(path, &status) == 0 else { return }
        let mode = status.st_mode & 0o777
        let credential = SystemdCredentials.directory.map { Self.isDirectlyInside(path, $0) } ?? false
        guard mode & (credential ? 0o007 : 0o077) != 0 else { return }
        throw ConfigurationError(
            "\(flag) \(path): permissions \(octal(mode)) are too open: a key must not be accessible by group or others (chmod 600 it, or pass --allow-readable-key)")
    }

    private static func isDirectlyInside(_ path: String, _ directory: String) -> Bool {
        var folder = directory
        while folder.count > 1, folder.hasSuffix("/") { folder.removeLast() }
        guard path.hasPrefix(folder + "/") else { return false }
        return !path.dropFirst(folder.count + 1).contains("/")
    }

    private static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
