-- POST /crm/api/v2/leads: the SQL a naive server sends per request, and nothing more
-- (bench/README.md, "The naive ceilings"):
--   1. the token by its id, joined to its user (\gset: the application keeps the user id);
--   2. the per-token rate-limit counter upsert;
--   3. one INSERT ... RETURNING of the new lead with the wrk body's fields, numbered from a
--      sequence (cheaper than any safe scheme: a ceiling, not a design), in its own
--      transaction (a WAL flush, as every create).
-- The new lead's external id comes from the client side, as an application makes its UUID:
-- id_base (-D, one per pgbench run) + client * 10^9 + the client's own count, sent as text.
-- bench/run disables leadsd's live-lead count triggers on crm_leads for these runs: they are
-- leadsd's own cost, which a naive server's database does not have.
\set tok random(:tok_min, :tok_min + :tok_count - 1)
\set seq :seq + 1
\set new_id :id_base + :client_id * 1000000000 + :seq
SELECT t.id, t.token, t.tokenable_type, t.tokenable_id, t.abilities, t.expires_at, t.created_at,
       t.last_used_at, u.name, u.email, u.crm_access, u.current_team_id
FROM personal_access_tokens t JOIN users u ON u.id = t.tokenable_id
WHERE t.id = :tok \gset
INSERT INTO bench_ceiling_rate_limits AS r (key, window_start, hits)
VALUES (:tok, (floor(extract(epoch FROM now()) / 60) * 60)::bigint, 1)
ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + 1
RETURNING hits;
INSERT INTO crm_leads (external_id, title, description, lead_id, prefix, number, amount, currency,
                       qualified, expected_close, user_created_id, created_at, updated_at)
SELECT :new_id::text, 'Bench ceiling lead', 'Created by the benchmark.', 'L' || s.n, 'L', s.n,
       125000, 'USD', false, timestamp '2026-09-30 00:00:00', :tokenable_id::bigint,
       now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
FROM (SELECT nextval('bench_ceiling_lead_number') AS n) AS s
RETURNING id, external_id, lead_id, title, description, amount, currency, expected_close,
          converted_at, created_at, updated_at, deleted_at;
