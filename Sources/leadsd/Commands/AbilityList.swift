/// `--abilities "view crm leads, create crm leads"` as Sanctum's JSON list; `*` alone is `["*"]`.
struct AbilityList: Equatable {
    struct Invalid: Error, CustomStringConvertible { let description: String }

    let abilities: [String]

    init(parsing text: String) throws(Invalid) {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
        guard !items.isEmpty, !items.contains(where: \.isEmpty) else {
            throw Invalid(description: "The abilities list [\(text)] has an empty entry; give e.g. \"view crm leads,create crm leads\" or \"*\".")
        }
        guard items.allSatisfy({ $0.utf8.count <= 255 }) else {
            throw Invalid(description: "An ability name is longer than 255 characters.")
        }
        abilities = items
    }

    /// A JSON array of strings, escaped per RFC 8259.
    var json: String {
        "[" + abilities.map(Self.jsonString).joined(separator: ",") + "]"
    }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
