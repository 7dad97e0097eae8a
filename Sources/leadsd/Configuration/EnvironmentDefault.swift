#if canImport(Glibc)
import Glibc
#endif

/// Flags fall back to environment variables (systemd `EnvironmentFile=`), then to defaults:
/// `@Option var workers: Int = EnvironmentDefault.int("LEADSD_WORKERS", 0)`.
enum EnvironmentDefault {
    static func string(_ name: String, _ fallback: String) -> String {
        guard let value = getenv(name) else { return fallback }
        return String(cString: value)
    }

    static func optionalString(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    /// An unparsable number in the environment is reported by `validate()` of the command,
    /// never silently replaced: this returns nil for it.
    static func int(_ name: String, _ fallback: Int) -> Int {
        guard let text = optionalString(name) else { return fallback }
        return Int(text) ?? Int.min
    }

    static func bool(_ name: String, _ fallback: Bool) -> Bool {
        guard let text = optionalString(name)?.lowercased() else { return fallback }
        return ["1", "true", "yes", "on"].contains(text)
    }
}
