/// One file of sql/: `NNN_name.sql` becomes version NNN, name `name`, and its text.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// `001_users`, as the file was named and as `leadsd migrate` reports it.
    public var identifier: String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 3 - digits.count)) + digits + "_" + name
    }
}
