-- The first two statements of every naive ceiling (bench/README.md, "The naive ceilings"):
--   1. the token by its id, joined to its user (Sanctum's findToken + its tokenable; the hash
--      is compared in the application, which keeps the row: \gset, e.g. create's user id);
--   2. the per-token rate-limit counter: one upsert of the current 60-second window, its
--      key the token id sent as text.
-- bench/run puts it in front of the request's own part (lead.sql, count.sql + page.sql,
-- page.sql, insert.sql). Variables (-D): tok_min, tok_count (token ids are contiguous).
\set tok random(:tok_min, :tok_min + :tok_count - 1)
SELECT t.id, t.token, t.tokenable_type, t.tokenable_id, t.abilities, t.expires_at, t.created_at,
       t.last_used_at, u.name, u.email, u.crm_access, u.current_team_id
FROM personal_access_tokens t JOIN users u ON u.id = t.tokenable_id
WHERE t.id = :tok \gset
INSERT INTO bench_ceiling_rate_limits AS r (key, window_start, hits)
VALUES (:tok, (floor(extract(epoch FROM now()) / 60) * 60)::bigint, 1)
ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + 1
RETURNING hits;
