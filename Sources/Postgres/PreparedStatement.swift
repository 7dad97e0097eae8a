/// A statement that every connection of a pool prepares once (and again after a reconnect).
///
/// `parameterTypes` are PostgreSQL type OIDs; 0 lets the server infer the type.
public struct PreparedStatement: Sendable, Hashable {
    public let name: String
    public let sql: String
    public let parameterTypes: [UInt32]

    public init(name: String, sql: String, parameterTypes: [UInt32] = []) {
        self.name = name
        self.sql = sql
        self.parameterTypes = parameterTypes
    }
}

/// Well-known type OIDs, for `PreparedStatement.parameterTypes`.
public enum PostgresType {
    public static let bool: UInt32 = 16
    public static let int8: UInt32 = 20
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let textArray: UInt32 = 1009
    public static let int8Array: UInt32 = 1016
    public static let timestamp: UInt32 = 1114
    public static let timestamptz: UInt32 = 1184
    public static let uuid: UInt32 = 2950
    public static let jsonb: UInt32 = 3802
}
