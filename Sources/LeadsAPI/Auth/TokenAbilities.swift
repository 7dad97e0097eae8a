/// Reads `personal_access_tokens.abilities`, a JSON list of strings as Sanctum writes it.
///
/// nil means every ability (a null column, JSON `null`, or a list holding `"*"`). Text that is
/// not a JSON list of strings grants nothing: a damaged row must not widen a token's rights.
public enum TokenAbilities {
    public static func parse(_ text: String?) -> Set<String>? {
        guard let text else { return nil }
        guard let value = try? JSONParser.parse(Array(text.utf8), maxDepth: 2) else { return [] }
        switch value {
        case .null:
            return nil
        case .array(let items):
            var abilities = Set<String>()
            for item in items {
                guard case .string(let ability) = item else { return [] }
                abilities.insert(ability)
            }
            return abilities.contains("*") ? nil : abilities
        default:
            return []
        }
    }
}
