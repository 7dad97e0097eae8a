/// Laravel's encryption keys: `APP_KEY` and `APP_PREVIOUS_KEYS`, decoded as Laravel's
/// EncryptionServiceProvider decodes them.
///
///     let keys = try LaravelKeys(key: "base64:…44 characters…", previousKeys: "base64:…,base64:…")
///     keys.all.count   // 3: the current key first
///
/// A key is `base64:` followed by base64 of the key (what `php artisan key:generate` writes),
/// or the raw key text itself. It must be 16 bytes (AES-128) or 32 (AES-256), every key the
/// same length, as Laravel's Encrypter requires of the one cipher it is made for.
///
/// The description names only how many keys and how long, never the key material; and the
/// type is not Equatable, so that no key is ever compared in variable time.
public struct LaravelKeys: Sendable, CustomStringConvertible {
    /// The current key, then the previous ones in the order given.
    public let all: [[UInt8]]
    public var keyLength: Int { all[0].count }

    /// Why a key was refused, naming which one (never its text).
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// `APP_KEY` and, when set, `APP_PREVIOUS_KEYS` as Laravel reads them.
    public init(key: String, previousKeys: String? = nil) throws(Failure) {
        try self.init(keys: [key], source: "APP_KEY", previousKeys: previousKeys)
    }

    /// `keys` from one `source` (the current key first, then previous ones, each called
    /// "source (key N)" in a message), followed by those of `previousKeys` (APP_PREVIOUS_KEYS).
    public init(keys: [String], source: String, previousKeys: String?) throws(Failure) {
        let named = keys.enumerated().map { (name: $0.offset == 0 ? source : "\(source) (key \($0.offset + 1))", text: $0.element) }
            + Self.previousKeys(previousKeys ?? "").enumerated().map { (name: "APP_PREVIOUS_KEYS (key \($0.offset + 1))", text: $0.element) }
        guard let first = named.first else { throw Failure(description: "\(source): no key") }
        var all: [[UInt8]] = []
        for key in named {
            let bytes = try Self.decode(key.text, name: key.name)
            if let current = all.first, bytes.count != current.count {
                throw Failure(description: "\(key.name): \(bytes.count) bytes, but \(first.name) has \(current.count); every key must fit the one cipher")
            }
            all.append(bytes)
        }
        self.all = all
    }

    /// `APP_PREVIOUS_KEYS` split as Laravel's `array_filter(explode(',', …))` splits it:
    /// empty items skipped, nothing trimmed (a space after a comma belongs to the key).
    public static func previousKeys(_ value: String) -> [String] {
        value.split(separator: ",").map(String.init)
    }

    public var description: String { "\(all.count) key\(all.count == 1 ? "" : "s") of \(keyLength) bytes" }

    private static func decode(_ text: String, name: String) throws(Failure) -> [UInt8] {
        let bytes: [UInt8]
        if text.hasPrefix("base64:") {
            guard let decoded = Base64.decode(Array(text.utf8.dropFirst(7))) else {
                throw Failure(description: "\(name): what follows 'base64:' is not base64")
            }
            bytes = decoded
        } else {
            bytes = Array(text.utf8)
        }
        guard bytes.count == 16 || bytes.count == 32 else {
            throw Failure(description: "\(name): the key is \(bytes.count) bytes; Laravel's keys are 32 bytes for AES-256 (base64:… as php artisan key:generate writes it) or 16 for AES-128")
        }
        return bytes
    }
}
