import Postgres

/// The SQL of the rate-limit counters. The window comes from the database clock (`now()`), so
/// every worker on every host puts a request into the same window.
public enum RateLimitStatements {
    /// Start of the current fixed window, unix seconds.
    static let windowStart = "(floor(extract(epoch FROM now()) / 60) * 60)::bigint"

    /// Columns every counting statement returns, for `RateLimitWindow.init(row:)`.
    /// `r` is the `leadsd_rate_limits` row the upsert returned.
    static let returning =
        "r.hits, r.window_start, ceil(r.window_start + 60 - extract(epoch FROM now()))::int AS seconds_left"

    /// The hot statement of the rate limit: one atomic upsert of the current window's row.
    /// Concurrent upserts of one key serialize on the row, so `hits` is exact.
    static func upsert(values: String) -> String {
        """
        INSERT INTO leadsd_rate_limits AS r (key, window_start, hits)
        VALUES \(values)
        ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + 1
        """
    }

    /// $1 key → hits, window_start, seconds_left.
    public static let countGuest = PreparedStatement(
        name: "leadsd_rate_count",
        sql: upsert(values: "($1::text, \(windowStart), 1)") + "\nRETURNING " + returning,
        parameterTypes: [PostgresType.text]
    )

    /// $1 guest key, $2 login key → two rows: key, hits, window_start, seconds_left.
    /// The keys always differ (their prefixes do), so one statement may upsert both; both rows
    /// are always locked in the same order, so concurrent logins cannot deadlock.
    public static let countLogin = PreparedStatement(
        name: "leadsd_rate_count_login",
        sql: upsert(values: "($1::text, \(windowStart), 1), ($2::text, \(windowStart), 1)")
            + "\nRETURNING r.key, " + returning,
        parameterTypes: [PostgresType.text, PostgresType.text]
    )

    /// Deletes windows that ended more than a minute ago. Idempotent, so every worker may run
    /// it; it scans the table, which holds only the keys seen in the last two or three minutes.
    public static let deleteOldWindows = PreparedStatement(
        name: "leadsd_rate_cleanup",
        sql: "DELETE FROM leadsd_rate_limits WHERE window_start < \(windowStart) - 120"
    )

    public static let all: [PreparedStatement] = [countGuest, countLogin, deleteOldWindows]
}

extension RateLimitWindow {
    /// Reads `hits`, `window_start`, `seconds_left` from a row of a counting statement.
    init?(row: [PostgresCell], in result: QueryResult) {
        guard let h = result.column(named: "hits"), let w = result.column(named: "window_start"),
              let s = result.column(named: "seconds_left"),
              let hits = row[h].int, let start = row[w].int, let left = row[s].int else { return nil }
        self.init(hits: hits, windowStart: start, secondsLeft: left)
    }
}
