import Postgres

/// The one statement that authenticates a request and counts it (one round trip).
///
/// Parameters: $1 tokenable_type (the configured user model), $2 global expiry in minutes or
/// NULL, $3 the client's guest key, $4 the sha256 hex the client presented, and for the
/// `<id>|<secret>` form $5 the token id.
///
/// `token` finds the row that would authenticate: found by id and hash (`<id>|<secret>`), or
/// by hash alone (legacy tokens without `|`), and only if unexpired, of the user model, and
/// its user exists. `counted` then upserts the counter of that token, or of the client
/// address when there is none, so a failed authentication is counted against the address.
///
/// Why the hash is compared with SQL `=` here, and still again in Swift: the SQL comparison
/// only decides which counter gets the hit, and what it compares is sha256 of the presented
/// secret with the stored sha256; an early-exit comparison could at most reveal how many
/// leading hex digits of sha256(guess) match, and that does not help anyone find a secret
/// (that would need a sha256 preimage; it is why Sanctum may look bare tokens up by hash at
/// all). The token id lookup dominates the statement's time whatever the outcome. Whether a
/// request is AUTHENTICATED is decided in Swift by `ConstantTime.equals` on the returned hash,
/// so no collation, padding or comparison semantics of the column can admit a wrong secret.
///
/// `touched` writes `last_used_at` (and `updated_at`, as Sanctum's save does) only when the
/// stored value is at least a minute old, so a busy token costs one row update a minute and
/// not one per request. Folding it in here keeps it off the critical path: no extra round
/// trip, and concurrent requests of one token that race at the minute boundary re-check the
/// condition after the first one's update (READ COMMITTED) and skip the write.
///
/// The statement's transaction commits without waiting for the WAL to reach the disk
/// (`synchronous_commit` off for this transaction only). The counters are UNLOGGED anyway;
/// the one logged write is that `last_used_at` touch, and a crash may lose at most the last
/// fraction of a second of those. Waiting for the flush instead stalled, once a minute per
/// token, this request and every request pipelined behind it on the same connection (the
/// server runs a connection's segments in order), which showed up in the show's p99.
public enum AccessStatements {
    static let nowUTC = "(now() AT TIME ZONE 'UTC')"

    static func authenticate(lookup: String) -> String {
        """
        WITH token AS (
            SELECT t.id, t.token, t.abilities, u.id AS user_id, u.name, u.email, u.crm_access
            FROM personal_access_tokens t
            JOIN users u ON u.id = t.tokenable_id
            WHERE \(lookup)
              AND t.tokenable_type = $1::text
              AND (t.expires_at IS NULL OR t.expires_at > \(nowUTC))
              AND ($2::int4 IS NULL OR t.created_at > \(nowUTC) - make_interval(mins => $2::int4))
        ),
        touched AS (
            UPDATE personal_access_tokens p
            SET last_used_at = \(nowUTC), updated_at = \(nowUTC)
            FROM token k
            WHERE p.id = k.id
              AND (p.last_used_at IS NULL OR p.last_used_at <= \(nowUTC) - interval '1 minute')
            RETURNING p.id
        ),
        counted AS (
            \(RateLimitStatements.upsert(values: "(COALESCE((SELECT 't:' || k.id FROM token k), $3::text), \(RateLimitStatements.windowStart), 1)"))
            RETURNING \(RateLimitStatements.returning)
        )
        SELECT c.hits, c.window_start, c.seconds_left,
               k.id AS token_id, k.token AS token_hash, k.abilities,
               k.user_id, k.name, k.email, k.crm_access,
               set_config('synchronous_commit', 'off', true) AS commit_mode
        FROM counted c LEFT JOIN token k ON true
        """
    }

    /// `<id>|<secret>`: the row by primary key, then the hash.
    public static let authenticateByID = PreparedStatement(
        name: "leadsd_auth_by_id",
        sql: authenticate(lookup: "t.id = $5::int8 AND t.token = $4::text"),
        parameterTypes: [PostgresType.text, PostgresType.int4, PostgresType.text, PostgresType.text, PostgresType.int8]
    )

    /// A token without `|`: the row by the hash of the whole token (the unique index on `token`).
    public static let authenticateByHash = PreparedStatement(
        name: "leadsd_auth_by_hash",
        sql: authenticate(lookup: "t.token = $4::text"),
        parameterTypes: [PostgresType.text, PostgresType.int4, PostgresType.text, PostgresType.text]
    )

    public static let all: [PreparedStatement] = [authenticateByID, authenticateByHash]
}
