import ArgumentParser
import LeadsAPI
import Postgres

/// `leadsd token issue EMAIL`: prints a new plaintext token once; only its sha256 is stored.
struct TokenIssueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue a token for a user with CRM access and print it (the only time it is shown).",
        discussion: "The token is printed alone on stdout: TOKEN=$(leadsd token issue ann@example.com)"
    )

    @Argument(help: "Email of the user the token belongs to.")
    var email: String

    @Option(help: "The token's name (personal_access_tokens.name).")
    var name: String = "api-token"

    @Option(help: ArgumentHelp(
        "Comma-separated abilities, or * for all.",
        discussion: "Known: view crm leads, create crm leads, edit crm leads, delete crm leads.",
        valueName: "list"))
    var abilities: String = "*"

    @Option(name: .customLong("expires-in"), help: ArgumentHelp(
        "Lifetime, e.g. 90m, 12h, 30d, 1w2d (units s, m, h, d, w). Default: never expires.",
        valueName: "duration"))
    var expiresIn: String?

    @Option(name: .customLong("user-model"),
            help: "tokenable_type of users (env: LEADSD_USER_MODEL; default App\\Models\\User).")
    var userModel: String?

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard !name.trimmingSpaces.isEmpty, name.utf8.count <= 255 else {
            throw ValidationError("The token name must be 1 to 255 characters.")
        }
        do { _ = try AbilityList(parsing: abilities) } catch { throw ValidationError(error.description) }
        if let expiresIn {
            do { _ = try TokenLifetime(parsing: expiresIn) } catch { throw ValidationError(error.description) }
        }
    }

    func run() throws {
        let abilitiesJSON = try AbilityList(parsing: abilities).json
        let lifetime = try expiresIn.map { try TokenLifetime(parsing: $0) }
        let model = userModel ?? EnvironmentDefault.string("LEADSD_USER_MODEL", "App\\Models\\User")
        let connection = try database.connect()

        let user = try query(connection, "SELECT id, crm_access FROM users WHERE email = $1", [email])
        guard let row = user.rows.first, let userID = row[0].string else {
            throw CommandFailure("No user found with email [\(email)].")
        }
        guard row[1].bool == true else {
            throw CommandFailure("User [\(email)] does not have CRM access.")
        }

        let secret = SanctumToken.newSecret()
        let inserted = try query(
            connection,
            """
            INSERT INTO personal_access_tokens
                (tokenable_type, tokenable_id, name, token, abilities, expires_at, created_at, updated_at)
            SELECT $1, $2::bigint, $3, $4, $5,
                   CASE WHEN $6::bigint IS NULL THEN NULL ELSE now_utc + $6::bigint * interval '1 second' END,
                   now_utc, now_utc
            FROM (SELECT date_trunc('second', now() AT TIME ZONE 'UTC') AS now_utc) AS clock
            RETURNING id
            """,
            [model, userID, name.trimmingSpaces, SanctumToken.hash(secret: secret), abilitiesJSON,
             lifetime.map { String($0.seconds) }]
        )
        guard let tokenID = inserted.rows.first?[0].string else {
            throw CommandFailure("The token row was not written.")
        }
        print("\(tokenID)|\(secret)")
    }
}
