#if canImport(Glibc)
import Glibc
#endif

/// A systemd-style `KEY=VALUE` file, read at start and again on SIGHUP so that an operator
/// can change settings without a restart. Its values are put into the process environment,
/// where the flags' environment fallbacks find them; flags on the command line still win.
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

    /// Reads the file and sets its variables. Call only while the process is single-threaded.
    static func apply(path: String) throws(ConfigurationError) {
        guard let file = fopen(path, "r") else {
            throw ConfigurationError("--env-file \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
            if bytes.count > 1 << 20 { throw ConfigurationError("--env-file \(path): larger than 1 MiB") }
        }
        let pairs: [(String, String)]
        do { pairs = try parse(String(decoding: bytes, as: UTF8.self)) } catch {
            throw ConfigurationError("--env-file \(path): \(error.description)")
        }
        for (key, value) in pairs { setenv(key, value, 1) }
    }
}

