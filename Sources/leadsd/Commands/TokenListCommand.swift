import ArgumentParser
import Postgres

/// `leadsd token list EMAIL`: a user's tokens, never their hashes.
struct TokenListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List a user's tokens: id, name, abilities, last used, expiry (never the token or its hash)."
    )

    @Argument(help: "Email of the user.")
    var email: String

    @OptionGroup var user: UserModelOption

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let model = user.resolved
        let connection = try database.connect()
        let user = try query(connection, "SELECT id::text FROM users WHERE email = $1", [email])
        guard let userID = user.rows.first?[0].string else {
            throw CommandFailure("No user found with email [\(email)].")
        }
        // The token column is never selected: what the list prints cannot leak it.
        let tokens = try query(connection, """
            SELECT id::text, name, coalesce(abilities, 'null'),
                   coalesce(to_char(last_used_at, 'YYYY-MM-DD HH24:MI:SS'), 'never'),
                   CASE WHEN expires_at IS NULL THEN 'never'
                        WHEN expires_at <= now() AT TIME ZONE 'UTC' THEN to_char(expires_at, 'YYYY-MM-DD HH24:MI:SS') || ' (expired)'
                        ELSE to_char(expires_at, 'YYYY-MM-DD HH24:MI:SS') END
            FROM personal_access_tokens
            WHERE tokenable_type = $1 AND tokenable_id = $2::bigint
            ORDER BY id
            """, [model, userID])
        var table = TextTable(header: ["ID", "NAME", "ABILITIES", "LAST_USED (UTC)", "EXPIRES (UTC)"])
        for row in tokens.rows {
            table.append((0..<5).map { row[$0].string ?? "" })
        }
        print(table.text, terminator: "")
    }
}
