/// Laravel's `decrypt()` (Illuminate\Encryption\Encrypter with unserialize) for values
/// Laravel CRM stored encrypted, with the app's current and previous keys.
///
///     let encrypter = LaravelEncrypter(keys: try LaravelKeys(key: appKey))
///     encrypter.decrypt(Array(storedFirstName.utf8))   // "Jane"'s bytes, or nil
///
/// nil when the value is not a payload, its MAC or tag is wrong for every key, or what it
/// decrypts to is not a PHP-serialized string; Laravel CRM then shows the value as stored.
///
/// Which cipher a payload uses is read from the payload, not configured: one with a `tag` is
/// AES-GCM (12-byte IV, tag checked), one without is AES-CBC whose `mac`, HMAC-SHA256 of the
/// base64 text of `iv` followed by that of `value` in lowercase hex, must match under some
/// key, compared in constant time. The key length picks AES-128 or AES-256. (Laravel itself
/// only accepts the payloads of its configured `app.cipher`, AES-256-CBC by default.)
///
/// Keys are tried in order, as Laravel does: for CBC, from the first key whose MAC matches on
/// (Laravel stops checking MACs once one matched); for GCM, every key until the tag matches.
///
/// Not Sendable: it holds OpenSSL contexts. One per worker, used on its queue.
public final class LaravelEncrypter {
    private let keys: [[UInt8]]
    private let macs: [HMACSHA256]
    private let aes: AESDecryptor

    public init(keys: LaravelKeys) {
        self.keys = keys.all
        macs = keys.all.map { HMACSHA256(key: $0) }
        aes = AESDecryptor(keyLength: keys.keyLength)
    }

    /// The plaintext of a stored value, or nil (see the type's documentation).
    public func decrypt(_ stored: [UInt8]) -> [UInt8]? {
        guard let payload = LaravelPayload(stored: stored) else { return nil }
        let serialized = payload.tag.map { decryptGCM(payload, tag: $0) } ?? decryptCBC(payload)
        return serialized.flatMap(PHPSerializedString.unserialize)
    }

    private func decryptCBC(_ payload: LaravelPayload) -> [UInt8]? {
        guard payload.iv.count == 16, let first = macs.firstIndex(where: { matches($0, payload) }) else { return nil }
        for key in keys[first...] {
            if let plaintext = aes.decryptCBC(payload.value, key: key, iv: payload.iv) { return plaintext }
        }
        return nil
    }

    private func decryptGCM(_ payload: LaravelPayload, tag: [UInt8]) -> [UInt8]? {
        guard payload.iv.count == 12, tag.count == 16 else { return nil }
        for key in keys {
            if let plaintext = aes.decryptGCM(payload.value, key: key, iv: payload.iv, tag: tag) { return plaintext }
        }
        return nil
    }

    private func matches(_ mac: HMACSHA256, _ payload: LaravelPayload) -> Bool {
        let expected = Array(Hex.encode(mac.authenticate([payload.ivText, payload.valueText])).utf8)
        return ConstantTime.equals(expected, payload.mac)
    }
}
