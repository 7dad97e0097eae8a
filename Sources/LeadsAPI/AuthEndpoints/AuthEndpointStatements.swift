import Postgres

/// The SQL of the three auth endpoints (the login's counting is RateLimitStatements.countLogin).
public enum AuthEndpointStatements {
    static let nowUTC = "(now() AT TIME ZONE 'UTC')"

    /// $1 email → id, name, email, password, crm_access. `=` as Laravel's `where('email', …)`.
    public static let userByEmail = PreparedStatement(
        name: "leadsd_auth_user_by_email",
        sql: "SELECT id, name, email, password, crm_access FROM users WHERE email = $1::text LIMIT 1",
        parameterTypes: [PostgresType.text]
    )

    /// The bcrypt cost of the newest user's hash (`$2y$10$…` → `10`), no row when no user has
    /// a bcrypt hash. Only those two digits leave the database.
    public static let installHashCost = PreparedStatement(
        name: "leadsd_auth_install_hash_cost",
        sql: #"SELECT substr(password, 5, 2) FROM users WHERE password LIKE '$2_$__$%' ORDER BY id DESC LIMIT 1"#
    )

    /// $1 tokenable_type, $2 user id, $3 name, $4 sha256 hex of the secret → id.
    /// Abilities `["*"]` as Sanctum's createToken writes them by default.
    public static let insertToken = PreparedStatement(
        name: "leadsd_auth_insert_token",
        sql: """
        INSERT INTO personal_access_tokens
            (tokenable_type, tokenable_id, name, token, abilities, created_at, updated_at)
        VALUES ($1::text, $2::int8, $3::text, $4::text, '["*"]', \(nowUTC), \(nowUTC))
        RETURNING id
        """,
        parameterTypes: [PostgresType.text, PostgresType.int8, PostgresType.text, PostgresType.text]
    )

    /// $1 token id.
    public static let deleteToken = PreparedStatement(
        name: "leadsd_auth_delete_token",
        sql: "DELETE FROM personal_access_tokens WHERE id = $1::int8",
        parameterTypes: [PostgresType.int8]
    )

    public static let all: [PreparedStatement] = [userByEmail, installHashCost, insertToken, deleteToken]
}
