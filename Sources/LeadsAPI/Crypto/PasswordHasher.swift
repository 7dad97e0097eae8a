import CCrypt

/// bcrypt through libxcrypt's crypt_r, which verifies Laravel's `$2y$` and `$2b$` hashes.
public enum PasswordHasher {
    /// Laravel's default cost.
    public static let defaultCost = 12

    /// A new `$2y$` hash of `password` (Laravel writes `$2y$`; libxcrypt makes `$2b$`, the
    /// same algorithm, so the prefix is rewritten).
    public static func hash(_ password: String, cost: Int = defaultCost) -> String? {
        let random = SecureRandom.bytes(16)
        var setting = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        let made = random.withUnsafeBufferPointer { rbytes in
            rbytes.baseAddress!.withMemoryRebound(to: CChar.self, capacity: 16) { rptr in
                crypt_gensalt_rn("$2b$", UInt(cost), rptr, 16, &setting, Int32(setting.count))
            }
        }
        let settingText = String(decoding: setting.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard made != nil, let hashed = crypt(password, salt: settingText) else { return nil }
        guard hashed.hasPrefix("$2b$") else { return nil }
        return "$2y$" + hashed.dropFirst(4)
    }

    /// True when `password` matches `hash`. Only bcrypt hashes are accepted.
    public static func verify(_ password: String, hash: String) -> Bool {
        guard hash.hasPrefix("$2y$") || hash.hasPrefix("$2b$") || hash.hasPrefix("$2a$"), hash.utf8.count == 60 else {
            return false
        }
        // libxcrypt accepts $2y$; asking with the stored string keeps the comparison exact.
        guard let computed = crypt(password, salt: hash) else { return false }
        return ConstantTime.equals(computed.utf8, hash.utf8)
    }

    /// A fixed valid hash to verify against when the email is unknown, so that an unknown
    /// email costs the same bcrypt work as a wrong password.
    /// Made once per process from a random password nobody knows.
    public static let decoyHash: String = hash(SecureRandom.uuidV4()) ?? ""

    private static func crypt(_ password: String, salt: String) -> String? {
        // bcrypt reads at most 72 bytes; NUL would truncate silently, so refuse it.
        guard !password.utf8.contains(0) else { return nil }
        var data = crypt_data()
        let result = password.withCString { key in salt.withCString { setting in crypt_r(key, setting, &data) } }
        guard let result else { return nil }
        let text = String(cString: result)
        // crypt_r signals failure with a string starting with '*'.
        guard !text.hasPrefix("*") else { return nil }
        return text
    }
}
