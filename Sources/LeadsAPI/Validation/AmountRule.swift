/// `nullable|numeric|min:0|decimal:0,2` plus "fits the column", computed exactly on the
/// decimal text: the amount becomes integer cents without floating point.
public enum AmountRule {
    /// The largest amount the `integer` column of an existing install holds, in cents.
    public static let maxCents = 2_147_483_647
    static let maxText = "21474836.47"

    public enum Source { case jsonNumber, string }

    /// The cents, or the messages (in rule order) when the value fails.
    public enum Outcome: Equatable { case cents(Int), failed([String]) }

    public static func cents(_ text: String, source: Source, path: String) -> Outcome {
        guard let number = DecimalText(text, allowingPHPForms: source == .string) else {
            // Not numeric: `numeric` fails, and `decimal` (which requires numeric) too.
            return .failed([ValidationMessage.numeric(path), ValidationMessage.decimal(path, "0-2")])
        }
        var messages: [String] = []
        if number.isNegative { messages.append(ValidationMessage.minNumber(path, "0")) }
        // A string is judged by its digits as written (Laravel's regex; `1e2` fails); a JSON
        // number by its value, as PHP's float would have it (`12.50`, `1e2` pass).
        let places = source == .string ? number.writtenPlaces : number.significantPlaces
        if places == nil || places! > 2 { messages.append(ValidationMessage.decimal(path, "0-2")) }
        guard messages.isEmpty else { return .failed(messages) }
        guard let cents = number.cents, cents <= maxCents else {
            return .failed([ValidationMessage.maxNumber(path, maxText)])
        }
        return .cents(cents)
    }
}

/// A decimal number as text: sign, digits, point, exponent.
struct DecimalText {
    var isNegative: Bool
    /// Significant digits with leading zeros removed ("" for zero).
    var digits: [UInt8]
    /// Value = digits × 10^(-scale).
    var scale: Int
    var hasExponent: Bool
    var fractionDigitsWritten: Int

    /// JSON numbers are RFC 8259 shaped; PHP's `is_numeric` also takes `+5`, `.5`, `5.`.
    init?(_ text: String, allowingPHPForms: Bool) {
        let bytes = Array(text.utf8)
        var i = 0
        isNegative = false
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") || (allowingPHPForms && bytes[i] == UInt8(ascii: "+")) {
            isNegative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        var integer: [UInt8] = []
        while i < bytes.count, Self.isDigit(bytes[i]) { integer.append(bytes[i]); i += 1 }
        var fraction: [UInt8] = []
        var sawPoint = false
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            sawPoint = true
            i += 1
            while i < bytes.count, Self.isDigit(bytes[i]) { fraction.append(bytes[i]); i += 1 }
        }
        guard !integer.isEmpty || !fraction.isEmpty else { return nil }
        if !allowingPHPForms, sawPoint, fraction.isEmpty || integer.isEmpty { return nil }
        var exponent = 0
        hasExponent = false
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            hasExponent = true
            i += 1
            var negativeExponent = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                negativeExponent = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            var sawDigit = false
            while i < bytes.count, Self.isDigit(bytes[i]) {
                sawDigit = true
                // Clamp: beyond a million the answer (too large / too many places) is the same.
                exponent = min(exponent * 10 + Int(bytes[i] - 48), 1_000_000)
                i += 1
            }
            guard sawDigit else { return nil }
            if negativeExponent { exponent = -exponent }
        }
        guard i == bytes.count else { return nil }
        fractionDigitsWritten = fraction.count
        var all = integer + fraction
        while let first = all.first, first == UInt8(ascii: "0") { all.removeFirst() }
        digits = all
        scale = fraction.count - exponent
        if digits.isEmpty { isNegative = false }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }

    /// Decimal places as Laravel's `decimal` rule counts them on a string: digits after the
    /// point as written; nil when the text has an exponent (the rule's regex rejects it).
    var writtenPlaces: Int? { hasExponent ? nil : fractionDigitsWritten }

    /// Decimal places of the value itself (trailing zeros do not count).
    var significantPlaces: Int? {
        var places = scale
        var index = digits.count - 1
        while places > 0, index >= 0, digits[index] == UInt8(ascii: "0") {
            places -= 1
            index -= 1
        }
        return digits.isEmpty ? 0 : max(places, 0)
    }

    /// The value in cents when it has at most two places and fits in 15 digits.
    var cents: Int? {
        if digits.isEmpty { return 0 }
        let shift = 2 - scale
        var trimmed = digits
        if shift < 0 {
            // Only trailing zeros may be dropped.
            let drop = -shift
            guard drop <= trimmed.count, trimmed.suffix(drop).allSatisfy({ $0 == UInt8(ascii: "0") }) else { return nil }
            trimmed.removeLast(drop)
            if trimmed.isEmpty { return 0 }
        } else {
            guard trimmed.count + shift <= 15 else { return nil }
            trimmed.append(contentsOf: [UInt8](repeating: UInt8(ascii: "0"), count: shift))
        }
        guard trimmed.count <= 15 else { return nil }
        var value = 0
        for digit in trimmed { value = value * 10 + Int(digit - 48) }
        return isNegative ? -value : value
    }
}
