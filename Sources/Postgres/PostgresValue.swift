/// A parameter value, sent in PostgreSQL's text format. `nil` is SQL NULL.
public typealias PostgresParameter = String?

/// One cell of a result, as the raw bytes of PostgreSQL's text format; `nil` is SQL NULL.
///
/// Bytes rather than `String`: a database in a non-UTF-8 encoding (SQL_ASCII) can hold text
/// that is not valid UTF-8, and the JSON writer must see it to replace it, not crash on it.
public struct PostgresCell: Sendable, Equatable {
    public let bytes: [UInt8]?

    public init(_ bytes: [UInt8]?) { self.bytes = bytes }

    public var isNull: Bool { bytes == nil }

    /// The text, with invalid UTF-8 repaired (U+FFFD).
    public var string: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    public var int: Int? {
        guard let bytes, !bytes.isEmpty else { return nil }
        var value = 0
        var negative = false
        var index = 0
        if bytes[0] == UInt8(ascii: "-") { negative = true; index = 1 }
        guard index < bytes.count else { return nil }
        while index < bytes.count {
            let digit = Int(bytes[index]) - 48
            guard digit >= 0, digit <= 9 else { return nil }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(negative ? -digit : digit)
            guard !o1, !o2 else { return nil }
            value = sum
            index += 1
        }
        return value
    }

    /// PostgreSQL writes booleans as `t` / `f` in text format.
    public var bool: Bool? {
        guard let bytes, bytes.count == 1 else { return nil }
        switch bytes[0] {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: return nil
        }
    }
}

/// The rows of one statement's result.
public struct QueryResult: Sendable {
    public let columnNames: [String]
    public let rows: [[PostgresCell]]
    /// From PQcmdTuples: rows inserted, updated or deleted (0 for a SELECT's tag when unknown).
    public let affectedRows: Int

    public init(columnNames: [String], rows: [[PostgresCell]], affectedRows: Int) {
        self.columnNames = columnNames
        self.rows = rows
        self.affectedRows = affectedRows
    }

    public func column(named name: String) -> Int? { columnNames.firstIndex(of: name) }
}
