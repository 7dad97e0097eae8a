#if canImport(Glibc)
import Glibc
#endif

/// A systemd-style `KEY=VALUE` file (`--env-file`, the `env` credential).
enum EnvironmentFile {
    static func parse(_ text: String) throws(ConfigurationError) -> [(String, String)] {
        var pairs: [(String, String)] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed()
            let trimmed = String(line)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw ConfigurationError("line \(number + 1): expected KEY=VALUE")
            }
            let key = String(trimmed[..<equals]).trimmingSpaces
            guard !key.isEmpty, key.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || ($0 >= 48 && $0 <= 57) || (($0 | 0x20) >= 97 && ($0 | 0x20) <= 122) }) else {
                throw ConfigurationError("line \(number + 1): '\(key)' is not a variable name")
            }
            var value = String(trimmed[trimmed.index(after: equals)...]).trimmingSpaces
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            pairs.append((key, value))
        }
        return pairs
    }

    static func read(path: String, what: String) throws(ConfigurationError) -> [(String, String)] {
        let text = try SmallFile.read(path, what: what)
        do { return try parse(text) } catch {
            throw ConfigurationError("\(what) \(path): \(error.description)")
        }
    }
}

/// Where settings come from, lowest first: systemd credentials standing in for unset
/// variables, the process's own environment, the `env` credential, the `--env-file` file,
/// and flags (parsed on top by the caller). Applied at start and again on every SIGHUP:
///
///     try SettingsLayers.apply(envFile: nil)       // credentials and the env credential
///     let path = try ServeOptions.parse(arguments).envFile
///     try SettingsLayers.apply(envFile: path)      // … and the environment file on top
///
/// Each application is complete: a variable a file set before and no longer sets goes back
/// to the value the process inherited (or is unset), so removing `LEADSD_TRUSTED_PROXIES`
/// from the file and reloading trusts nobody again.
enum SettingsLayers {
    /// Variables the layers set, each with the value it had before they did (nil: unset).
    /// `nonisolated(unsafe)`: touched only while the process is single-threaded (the master,
    /// which never makes a thread, and the one-shot commands before they connect); workers
    /// receive a copy through fork and never touch it.
    nonisolated(unsafe) private static var inherited: [String: String?] = [:]

    static func apply(envFile: String?) throws(ConfigurationError) {
        var wanted: [String: String] = [:]
        for credential in SystemdCredentials.all {
            if let value = inheritedValue(credential.variable), !value.isEmpty { continue }
            if let value = try SystemdCredentials.value(of: credential) { wanted[credential.variable] = value }
        }
        if let path = SystemdCredentials.path(SystemdCredentials.environmentFileName) {
            for (key, value) in try EnvironmentFile.read(path: path, what: "credential env") { wanted[key] = value }
        }
        if let envFile, !envFile.isEmpty {
            for (key, value) in try EnvironmentFile.read(path: envFile, what: "--env-file") { wanted[key] = value }
        }
        set(wanted)
    }

    /// The value of `name` as the process inherited it, whatever the layers did since.
    static func inheritedValue(_ name: String) -> String? {
        if let before = inherited[name] { return before }
        return getenv(name).map { String(cString: $0) }
    }

    private static func set(_ wanted: [String: String]) {
        for (key, before) in inherited where wanted[key] == nil {
            if let before { setenv(key, before, 1) } else { unsetenv(key) }
            inherited[key] = nil
        }
        for (key, value) in wanted {
            if inherited[key] == nil { inherited[key] = .some(getenv(key).map { String(cString: $0) }) }
            setenv(key, value, 1)
        }
    }
}
