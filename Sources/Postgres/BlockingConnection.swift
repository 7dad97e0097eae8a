import CLibPQ
#if canImport(Glibc)
import Glibc
#endif

/// A plain synchronous libpq connection, for the command line (migrate, user, token) and tests.
/// Never used on a worker's request path: that is `PostgresPool`'s job.
public final class BlockingConnection {
    private var connection: OpaquePointer?

    /// `connectTimeoutSeconds`: libpq's `connect_timeout`, unless the connection string sets
    /// its own; nil leaves it to the string and `PGCONNECT_TIMEOUT`.
    public init(connectionString: String, connectTimeoutSeconds: Int? = nil) throws(PostgresError) {
        let conn: OpaquePointer?
        if let connectTimeoutSeconds {
            // libpq applies keywords in order: the expanded connection string comes last and wins.
            conn = PostgresConnection.withCStringArray(["connect_timeout", "dbname"]) { keywords in
                PostgresConnection.withCStringArray([String(connectTimeoutSeconds), connectionString]) { values in
                    PQconnectdbParams(keywords, values, 1)
                }
            }
        } else {
            conn = PQconnectdb(connectionString)
        }
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            let message = conn.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            PQfinish(conn)
            throw PostgresError(kind: .connect, message: message.trimmingTrailingNewlines())
        }
        // Timestamps are read and written as UTC whatever the server's default.
        connection = conn
        _ = try execute("SET TIME ZONE 'UTC'")
    }

    deinit { PQfinish(connection) }

    public func close() {
        PQfinish(connection)
        connection = nil
    }

    /// Runs one statement with parameters (text format) through the extended protocol.
    /// Without parameters, `sql` may hold several statements (used for migrations).
    @discardableResult
    public func execute(_ sql: String, _ parameters: [PostgresParameter] = []) throws(PostgresError) -> QueryResult {
        guard let connection else { throw PostgresError(kind: .connectionLost, message: "connection closed") }
        let result: OpaquePointer?
        if parameters.isEmpty {
            result = PQexec(connection, sql)
        } else {
            result = Self.withCStrings(parameters) { values in
                PQexecParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
            }
        }
        defer { PQclear(result) }
        return try ResultReader.read(result, connection: connection)
    }

    private static func withCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers.map { UnsafePointer($0) })
    }
}

/// Turns a libpq result into `QueryResult` or `PostgresError`. Shared by every connection type.
public enum ResultReader {
    public static func read(_ result: OpaquePointer?, connection: OpaquePointer?) throws(PostgresError) -> QueryResult {
        guard let result else {
            let message = connection.map { String(cString: PQerrorMessage($0)) } ?? "no result"
            throw PostgresError(kind: .connectionLost, message: message.trimmingTrailingNewlines())
        }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE:
            break
        default:
            throw error(from: result)
        }
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        var names: [String] = []
        names.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            names.append(String(cString: PQfname(result, Int32(column))))
        }
        var rows: [[PostgresCell]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var cells: [PostgresCell] = []
            cells.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    cells.append(PostgresCell(nil))
                } else {
                    let length = Int(PQgetlength(result, Int32(row), Int32(column)))
                    let value = PQgetvalue(result, Int32(row), Int32(column))!
                    let bytes = value.withMemoryRebound(to: UInt8.self, capacity: length) {
                        Array(UnsafeBufferPointer(start: $0, count: length))
                    }
                    cells.append(PostgresCell(bytes))
                }
            }
            rows.append(cells)
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return QueryResult(columnNames: names, rows: rows, affectedRows: affected)
    }

    public static func error(from result: OpaquePointer) -> PostgresError {
        let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        let message = String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines()
        return PostgresError(kind: .server, sqlState: sqlState, message: message)
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        return text
    }
}
