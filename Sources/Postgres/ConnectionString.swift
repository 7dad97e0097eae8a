import CLibPQ

/// Reading and rewriting libpq connection strings (URI or `key=value`) with libpq's own parser,
/// so that every form `DATABASE_URL` may take is understood the same way libpq understands it.
public enum ConnectionString {
    /// The parameters that are set, in libpq's order. Throws `.connect` for a malformed string.
    public static func parse(_ connectionString: String) throws(PostgresError) -> [(key: String, value: String)] {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &errorMessage) else {
            let message = errorMessage.map { String(cString: $0) } ?? "out of memory"
            PQfreemem(errorMessage)
            throw PostgresError(kind: .connect, message: "invalid connection string: " + message.trimmingTrailingNewlines())
        }
        defer { PQconninfoFree(options) }
        var pairs: [(key: String, value: String)] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                pairs.append((String(cString: keyword), String(cString: value)))
            }
            option += 1
        }
        return pairs
    }

    /// The same connection with another database name, as `key='value'` pairs.
    /// Used to reach a freshly created database from an administrative connection string.
    public static func replacingDatabase(in connectionString: String, with database: String) throws(PostgresError) -> String {
        var pairs = try parse(connectionString).filter { $0.key != "dbname" }
        pairs.append((key: "dbname", value: database))
        return pairs.map { "\($0.key)=\(quote($0.value))" }.joined(separator: " ")
    }

    /// Quotes a value for a `key=value` connection string (single quotes, `\` escapes).
    static func quote(_ value: String) -> String {
        var quoted = "'"
        for character in value {
            if character == "'" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        quoted.append("'")
        return quoted
    }
}
