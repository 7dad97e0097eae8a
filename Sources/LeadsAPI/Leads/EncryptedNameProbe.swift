import Postgres

/// The check behind contract §2c's "ciphertext is never served silently": does any of the
/// name columns the Lead resource serves (`StoredNames.Column`) hold a Laravel Encrypter
/// payload? Run when no app key is configured: by the master at start (on a blocking
/// connection, `statement.sql`) and, when the database did not answer then, by each worker
/// before it serves a lead (`EncryptedNamesGuard`).
///
///     let result = try connection.execute(EncryptedNameProbe.statement(tablePrefix: "crm_").sql)
///     EncryptedNameProbe.finding(in: result, tablePrefix: "crm_")   // .ciphertext(column: "crm_people.first_name")
///
/// A payload is base64 of JSON that Laravel starts with `{"iv":`, so its text starts with
/// `eyJpdiI6`. Each column is one `EXISTS` with that prefix: it stops at the first match,
/// which on an install that encrypts is among the first rows read, and scans the table
/// (no index needed) only where nothing is encrypted. Soft-deleted rows count too.
public enum EncryptedNameProbe {
    public enum Finding: Equatable, Sendable {
        case none
        /// The first column that holds a payload, as `crm_people.first_name`.
        case ciphertext(column: String)
    }

    static let payloadPrefix = "eyJpdiI6"

    /// No parameters; one row of one boolean per `StoredNames.Column`, in its order.
    public static func statement(tablePrefix: String) -> PreparedStatement {
        precondition(LeadStatements.prefixProblem(tablePrefix) == nil, "table prefix: \(LeadStatements.prefixProblem(tablePrefix) ?? "")")
        let tests = StoredNames.Column.allCases.map { column in
            "EXISTS (SELECT 1 FROM \(tablePrefix)\(column.table) WHERE \(column.name) LIKE '\(payloadPrefix)%')"
        }
        return PreparedStatement(name: "leads_encrypted_names", sql: "SELECT " + tests.joined(separator: ", "))
    }

    /// Per column (`crm_people.first_name`, ...), a statement for at most `limit` of its
    /// values that look like payloads: `leadsd serve --check-config` tries the app key on them.
    public static func samples(tablePrefix: String, limit: Int) -> [(column: String, statement: PreparedStatement)] {
        precondition(LeadStatements.prefixProblem(tablePrefix) == nil && limit > 0, "table prefix and limit as the configuration checks them")
        return StoredNames.Column.allCases.map { column in
            (column.qualified(tablePrefix: tablePrefix), PreparedStatement(name: "leads_encrypted_name_samples_\(column.table)_\(column.name)", sql: """
                SELECT \(column.name) FROM \(tablePrefix)\(column.table) WHERE \(column.name) LIKE '\(payloadPrefix)%' LIMIT \(limit)
                """))
        }
    }

    /// What the statement's result says; nil when it is not the statement's row.
    public static func finding(in result: QueryResult, tablePrefix: String) -> Finding? {
        switch encryptedColumn(in: result) {
        case nil: return nil
        case .some(nil): return Finding.none
        case .some(let column?): return .ciphertext(column: column.qualified(tablePrefix: tablePrefix))
        }
    }

    /// The first column that holds a payload; `.some(nil)` when none does, nil when the
    /// result is not the statement's row.
    static func encryptedColumn(in result: QueryResult) -> StoredNames.Column?? {
        let columns = StoredNames.Column.allCases
        guard let row = result.rows.first, row.count == columns.count else { return nil }
        var found: StoredNames.Column?
        for (column, cell) in zip(columns, row) {
            guard let holds = cell.bool else { return nil }
            if holds, found == nil { found = column }
        }
        return .some(found)
    }
}
