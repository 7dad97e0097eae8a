import ArgumentParser
import Postgres

/// `leadsd user list`: every user, with CRM access and how many tokens they hold.
struct UserListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the users: id, email, name, CRM access, tokens, created."
    )

    @OptionGroup var user: UserModelOption

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let model = user.resolved
        let connection = try database.connect()
        let users = try query(connection, """
            SELECT u.id::text, u.email, u.name, u.crm_access,
                   (SELECT count(*) FROM personal_access_tokens t
                    WHERE t.tokenable_type = $1 AND t.tokenable_id = u.id)::text,
                   coalesce(to_char(u.created_at, 'YYYY-MM-DD HH24:MI:SS'), '-')
            FROM users u ORDER BY u.id
            """, [model])
        var table = TextTable(header: ["ID", "EMAIL", "NAME", "CRM_ACCESS", "TOKENS", "CREATED (UTC)"])
        for row in users.rows {
            table.append([row[0].string ?? "", row[1].string ?? "", row[2].string ?? "", row[3].bool == true ? "yes" : "no",
                          row[4].string ?? "0", row[5].string ?? "-"])
        }
        print(table.text, terminator: "")
    }
}
