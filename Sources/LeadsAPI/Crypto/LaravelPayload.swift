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

    /// One member of the JSON object.
    enum Member: Equatable {
        case absent, null, string([UInt8]), other
    }

    /// A member as `flatMembers` reads it (a struct: an array of tuples costs a lookup of the
    /// tuple's type metadata at run time, every call); `value` nil is null.
    struct FlatMember {
        let key: [UInt8]
        let value: [UInt8]?
    }

    public init?(stored: [UInt8]) {
        // base64 of `{"` starts "ey": a cheap test before the decode, for plain names.
        guard stored.count >= 4, stored[0] == UInt8(ascii: "e"), stored[1] == UInt8(ascii: "y"),
              let json = Base64.decode(stored) else { return nil }
        let member: (StaticString) -> Member
        if let flat = Self.flatMembers(json) {
            member = { name in
                let found = name.withUTF8Buffer { key in flat.last { $0.key.elementsEqual(key) } }
                return found.map { $0.value.map(Member.string) ?? .null } ?? .absent
            }
        } else {
            guard case .object(let object)? = try? JSONParser.parse(json) else { return nil }
            member = { name in
                switch object[name.description] {
                case nil: return .absent
                case .null?: return .null
                case .string(let text)?: return .string(Array(text.utf8))
                default: return .other
                }
            }
        }
        guard case .string(let ivText) = member("iv"), case .string(let valueText) = member("value"),
              case .string(let mac) = member("mac") else { return nil }
        switch member("tag") {
        case .absent, .null, .string([]):
            tag = nil
        case .string(let text):
            guard let decoded = Base64.decode(text) else { return nil }
            tag = decoded
        case .other:
            return nil
        }
        guard let iv = Base64.decode(ivText), let value = Base64.decode(valueText) else { return nil }
        self.ivText = ivText
        self.valueText = valueText
        self.iv = iv
        self.value = value
        self.mac = mac
    }

    /// The members of `json` when it is what Laravel's `json_encode` writes: one flat object
    /// whose values are ASCII strings with no escape but `\/`, or null. nil for any other
    /// JSON, which the general parser then reads (so escapes and odd shapes still count).
    static func flatMembers(_ json: [UInt8]) -> [FlatMember]? {
        var index = 0
        func skipWhitespace() {
            while index < json.count, json[index] == 0x20 || json[index] == 0x09 || json[index] == 0x0A || json[index] == 0x0D { index += 1 }
        }
        func consume(_ byte: UInt8) -> Bool {
            guard index < json.count, json[index] == byte else { return false }
            index += 1
            return true
        }
        func string() -> [UInt8]? {
            guard consume(UInt8(ascii: "\"")) else { return nil }
            var text: [UInt8] = []
            while index < json.count {
                let byte = json[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return text
                case UInt8(ascii: "\\"):
                    guard consume(UInt8(ascii: "/")) else { return nil }
                    text.append(UInt8(ascii: "/"))
                case 0x20..<0x80: text.append(byte)
                default: return nil
                }
            }
            return nil
        }
        var members: [FlatMember] = []
        skipWhitespace()
        guard consume(UInt8(ascii: "{")) else { return nil }
        skipWhitespace()
        if !consume(UInt8(ascii: "}")) {
            repeat {
                skipWhitespace()
                guard let key = string() else { return nil }
                skipWhitespace()
                guard consume(UInt8(ascii: ":")) else { return nil }
                skipWhitespace()
                if json[index...].starts(with: [0x6E, 0x75, 0x6C, 0x6C]) {  // null
                    index += 4
                    members.append(FlatMember(key: key, value: nil))
                } else {
                    guard let value = string() else { return nil }
                    members.append(FlatMember(key: key, value: value))
                }
                skipWhitespace()
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: "}")) else { return nil }
        }
        skipWhitespace()
        return index == json.count ? members : nil
    }
}
