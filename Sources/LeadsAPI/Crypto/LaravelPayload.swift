/// What Laravel's Encrypter stores: base64 of the JSON object `{"iv", "value", "mac", "tag"}`,
/// each member a string (`iv`, `value` and `tag` base64, `mac` lowercase hex).
///
///     LaravelPayload(stored: Array(column.utf8))?.tag   // nil for CBC, 16 bytes for GCM
///
/// nil for anything else, under the rules of Laravel's `getJsonPayload`/`validPayload`: `iv`,
/// `value` and `mac` present as strings, `tag` absent, null or a string. An empty `tag` (what
/// a CBC payload carries since Laravel 9) means none. Base64 is read strictly (`Base64`).
public struct LaravelPayload {
    /// `iv` and `value` as stored: the MAC covers this text, not the bytes it decodes to.
    public let ivText: [UInt8]
    public let valueText: [UInt8]
    public let iv: [UInt8]
    /// The ciphertext.
    public let value: [UInt8]
    /// The hex MAC as stored (empty in a GCM payload).
    public let mac: [UInt8]
    /// GCM's tag, decoded; nil when the payload has none (CBC).
    public let tag: [UInt8]?

    public init?(stored: [UInt8]) {
        // base64 of `{"` starts "ey": a cheap test before the decode, for plain names.
        guard stored.count >= 4, stored[0] == UInt8(ascii: "e"), stored[1] == UInt8(ascii: "y"),
              let json = Base64.decode(stored),
              case .object(let object)? = try? JSONParser.parse(json),
              case .string(let ivText)? = object["iv"], case .string(let valueText)? = object["value"],
              case .string(let mac)? = object["mac"] else { return nil }
        switch object["tag"] {
        case nil, .null?:
            tag = nil
        case .string(let text)?:
            if text.isEmpty {
                tag = nil
            } else {
                guard let decoded = Base64.decode(Array(text.utf8)) else { return nil }
                tag = decoded
            }
        default:
            return nil
        }
        guard let iv = Base64.decode(Array(ivText.utf8)), let value = Base64.decode(Array(valueText.utf8)) else { return nil }
        self.ivText = Array(ivText.utf8)
        self.valueText = Array(valueText.utf8)
        self.iv = iv
        self.value = value
        self.mac = Array(mac.utf8)
    }
}
