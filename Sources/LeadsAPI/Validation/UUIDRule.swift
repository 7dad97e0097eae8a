/// Laravel's `uuid` rule (`Str::isUuid`): 8-4-4-4-12 hex digits, any case, any version.
public enum UUIDRule {
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                let isHex = (byte >= 48 && byte <= 57) || ((byte | 0x20) >= 97 && (byte | 0x20) <= 102)
                guard isHex else { return false }
            }
        }
        return true
    }
}

/// Laravel's `integer` rule (`FILTER_VALIDATE_INT`): an optional sign and digits without
/// leading zeros, in range; a JSON number whose value is a whole number also passes.
public enum IntegerRule {
    public static func value(ofString text: String) -> Int64? {
        var body = Substring(text)
        var negative = false
        if let first = body.first, first == "+" || first == "-" {
            negative = first == "-"
            body = body.dropFirst()
        }
        guard !body.isEmpty, body.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        guard body == "0" || body.first != "0" else { return nil }
        return Int64((negative ? "-" : "") + body)
    }

    public static func value(ofNumber text: String) -> Int64? {
        if let plain = value(ofString: text), !text.hasPrefix("+") { return plain }
        guard let number = DecimalText(text, allowingPHPForms: false), number.significantPlaces == 0,
              let cents = number.cents else { return nil }
        return Int64(cents / 100)
    }
}
