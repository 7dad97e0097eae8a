/// The list endpoint's query parameters, read as contract §7 says.
public struct ListParameters: Equatable, Sendable {
    public enum SortColumn: String, Sendable, CaseIterable {
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case title
        case amount
    }

    public struct Sort: Equatable, Sendable, Hashable {
        public var column: SortColumn
        public var descending: Bool

        public static let `default` = Sort(column: .createdAt, descending: true)

        /// `created_at`, `-amount`, …; anything else is nil (and the default applies).
        public init?(_ text: String) {
            let descending = text.hasPrefix("-")
            guard let column = SortColumn(rawValue: String(descending ? text.dropFirst() : Substring(text))) else { return nil }
            self.init(column: column, descending: descending)
        }

        public init(column: SortColumn, descending: Bool) {
            self.column = column
            self.descending = descending
        }

        /// Every sort the API can run, so each gets its own prepared statement.
        public static var all: [Sort] {
            SortColumn.allCases.flatMap { [Sort(column: $0, descending: false), Sort(column: $0, descending: true)] }
        }

        public var name: String { (descending ? "desc_" : "asc_") + column.rawValue }
    }

    public var perPage: Int
    public var page: Int
    public var sort: Sort
    public var userOwnerID: Int64?

    public static let defaultPerPage = 25
    public static let maxPerPage = 100

    public enum Failure: Error, Equatable { case userOwnerIDNotInteger }

    public static func parse(_ query: QueryString) -> Result<ListParameters, Failure> {
        var ownerID: Int64?
        if let text = query["user_owner_id"] {
            let trimmed = LeadValidator.trim(text)
            // An empty value counts as absent (ConvertEmptyStringsToNull).
            if !trimmed.isEmpty {
                guard let id = IntegerRule.value(ofString: trimmed) else { return .failure(.userOwnerIDNotInteger) }
                ownerID = id
            }
        }
        return .success(ListParameters(
            perPage: perPage(query["per_page"]),
            page: page(query["page"]),
            sort: query["sort"].flatMap { Sort(LeadValidator.trim($0)) } ?? .default,
            userOwnerID: ownerID
        ))
    }

    static func perPage(_ text: String?) -> Int {
        guard let text else { return defaultPerPage }
        let trimmed = LeadValidator.trim(text)
        guard let value = IntegerRule.value(ofString: trimmed) else {
            // Digits too many for an integer are still "above 100".
            if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), trimmed.first != "0" { return maxPerPage }
            return defaultPerPage
        }
        if value < 1 { return defaultPerPage }
        return value > Int64(maxPerPage) ? maxPerPage : Int(value)
    }

    static func page(_ text: String?) -> Int {
        guard let text, let value = IntegerRule.value(ofString: LeadValidator.trim(text)), value >= 1 else { return 1 }
        return Int(value)
    }

    /// Rows to skip; saturates rather than overflows for absurd page numbers.
    public var offset: Int {
        let (product, overflow) = (page - 1).multipliedReportingOverflow(by: perPage)
        return overflow ? Int.max : product
    }
}
