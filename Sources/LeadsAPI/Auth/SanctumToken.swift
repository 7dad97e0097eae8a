/// Sanctum's plaintext token shape: `<id>|<secret>`, where the row stores sha256_hex(secret).
public enum SanctumToken {
    private static let alphabet: [UInt8] = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)

    /// A new secret as Sanctum makes it today: 40 random alphanumerics and their crc32b.
    public static func newSecret() -> String {
        let random = SecureRandom.string(count: 40, alphabet: alphabet)
        return random + CRC32.hex(random.utf8)
    }

    /// The hash to store in `personal_access_tokens.token`.
    public static func hash(secret: String) -> String { SHA256.hex(secret.utf8) }

    /// Splits a presented bearer token. A token with `|` names its row id; one without is
    /// looked up by the hash of the whole string (Sanctum's legacy form).
    public enum Parsed: Equatable {
        case withID(Int64, secret: Substring)
        case bare(Substring)
    }

    public static func parse(_ token: Substring) -> Parsed? {
        guard !token.isEmpty, token.utf8.count <= 512 else { return nil }
        guard let bar = token.firstIndex(of: "|") else { return .bare(token) }
        let idText = token[token.startIndex..<bar]
        let secret = token[token.index(after: bar)...]
        guard !idText.isEmpty, idText.utf8.count <= 19, idText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let id = Int64(idText), id > 0, !secret.isEmpty else { return nil }
        return .withID(id, secret: secret)
    }
}
