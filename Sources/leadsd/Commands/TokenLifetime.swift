/// `--expires-in` values: one or more `<number><unit>` pairs, units s, m, h, d, w (`1w2d`, `90m`).
/// A bare number is refused: minutes (Sanctum's config) or seconds would both be a guess.
struct TokenLifetime: Equatable {
    struct Invalid: Error, CustomStringConvertible { let description: String }

    /// Ten years: beyond it a typo is likelier than intent, and the timestamp math stays small.
    static let maximumSeconds: Int64 = 10 * 366 * 86_400

    let seconds: Int64

    init(parsing text: String) throws(Invalid) {
        let invalid = Invalid(description: "Invalid duration [\(text)]: use e.g. 90m, 12h, 30d or 1w2d (units s, m, h, d, w).")
        var total: Int64 = 0
        var number: Int64? = nil
        var sawPair = false
        for character in text.lowercased() {
            if let digit = character.wholeNumberValue, character.isASCII {
                let (times, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(Int64(digit))
                guard !o1, !o2, sum <= Self.maximumSeconds else { throw invalid }
                number = sum
                continue
            }
            let unit: Int64
            switch character {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3_600
            case "d": unit = 86_400
            case "w": unit = 604_800
            default: throw invalid
            }
            guard let value = number else { throw invalid }
            total += value * unit
            guard total <= Self.maximumSeconds else { throw invalid }
            number = nil
            sawPair = true
        }
        guard sawPair, number == nil, total > 0 else { throw invalid }
        seconds = total
    }
}
