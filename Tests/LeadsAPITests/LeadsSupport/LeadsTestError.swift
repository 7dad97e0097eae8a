import Postgres

struct LeadsTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension BlockingConnection {
    /// The first column of the first row as text (test convenience).
    func scalar(_ sql: String, _ parameters: [PostgresParameter] = []) throws -> String? {
        try execute(sql, parameters).rows.first?.first?.string
    }
}
