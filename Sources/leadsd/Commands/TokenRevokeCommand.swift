import ArgumentParser

/// `leadsd token revoke ID`: deletes the token row, as Sanctum's revoke does.
struct TokenRevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke (delete) a token by its id, the number before | in the token."
    )

    @Argument(help: "The token's id.")
    var id: Int64

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard id > 0 else { throw ValidationError("The token id must be a positive integer.") }
    }

    func run() throws {
        let connection = try database.connect()
        let deleted = try query(connection, "DELETE FROM personal_access_tokens WHERE id = $1::bigint RETURNING id", [String(id)])
        guard !deleted.rows.isEmpty else {
            throw CommandFailure("No token found with id [\(id)].")
        }
        print("Revoked token \(id).")
    }
}
