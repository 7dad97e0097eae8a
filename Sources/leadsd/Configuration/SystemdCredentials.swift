#if canImport(Glibc)
import Glibc
#endif

/// systemd credentials (`LoadCredential=NAME:PATH`): systemd copies each file, as root, into
/// `$CREDENTIALS_DIRECTORY/NAME`, readable only by the service's (dynamic) user. Each
/// credential stands in for one variable when neither its flag nor the variable is given:
///
///     LoadCredential=database-url:/etc/leadsd/database-url      (in the unit)
///     try SettingsLayers.apply(envFile: nil)                      (before options are parsed)
///     // DATABASE_URL now holds that file's text, unless the environment set it
///
/// A new credential is one more line in `all`. The `env` credential is a file of settings
/// rather than one value: `SettingsLayers` reads it.
enum SystemdCredentials {
    enum Use {
        /// The variable gets the credential's text (its final newline dropped).
        case contents
        /// The variable gets the credential file's path (files the daemon reads itself).
        case path
    }

    struct Credential {
        let name: String
        let variable: String
        let use: Use
    }

    static let all: [Credential] = [
        Credential(name: "database-url", variable: "DATABASE_URL", use: .contents),
        Credential(name: "tls-cert", variable: "LEADSD_TLS_CERT", use: .path),
        Credential(name: "tls-key", variable: "LEADSD_TLS_KEY", use: .path),
        Credential(name: "tls-ticket-key", variable: "LEADSD_TLS_TICKET_KEY", use: .path),
        // A path, not the text: the file may list previous keys after the current one.
        Credential(name: "app-key", variable: "LEADSD_APP_KEY_FILE", use: .path),
    ]

    /// The optional `env` credential: a KEY=VALUE file of settings (secrets among them).
    static let environmentFileName = "env"

    /// `$CREDENTIALS_DIRECTORY`, when set to something.
    static var directory: String? {
        guard let value = getenv("CREDENTIALS_DIRECTORY") else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    /// The path of credential `name` when systemd passed it (the file exists).
    static func path(_ name: String) -> String? {
        guard let directory else { return nil }
        let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        return path
    }

    /// What the credential's variable gets: its path, or its text without the final newline
    /// (nil when systemd did not pass it, or it is empty).
    static func value(of credential: Credential) throws(ConfigurationError) -> String? {
        guard let path = path(credential.name) else { return nil }
        switch credential.use {
        case .path:
            return path
        case .contents:
            var text = Substring(try SmallFile.read(path, what: "credential \(credential.name)"))
            while let last = text.last, last == "\n" || last == "\r" { text.removeLast() }
            return text.isEmpty ? nil : String(text)
        }
    }
}

/// A whole small file (configuration, credentials) read with stdio: no Foundation in the master.
enum SmallFile {
    static let limit = 1 << 20

    static func read(_ path: String, what: String) throws(ConfigurationError) -> String {
        guard let file = fopen(path, "r") else {
            throw ConfigurationError("\(what) \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
            if bytes.count > limit { throw ConfigurationError("\(what) \(path): larger than 1 MiB") }
        }
        if ferror(file) != 0 { throw ConfigurationError("\(what) \(path): read error") }
        return String(decoding: bytes, as: UTF8.self)
    }
}
