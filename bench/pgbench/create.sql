-- POST /crm/api/v2/leads as a naive server runs it: token lookup, rate-limit upsert, one
-- INSERT ... RETURNING of the new lead (same fields as the wrk body; its own transaction).
\set tok random(:tok_min, :tok_min + :tok_count - 1)
\set n random(1, 1000000000)
SELECT t.id, t.token, t.tokenable_type, t.abilities, t.expires_at, t.created_at, t.last_used_at,
       u.id, u.name, u.crm_access, u.current_team_id
FROM personal_access_tokens t JOIN users u ON u.id = t.tokenable_id
WHERE t.id = :tok;
INSERT INTO bench_ceiling_rate_limits AS r (key, window_start, hits)
VALUES ('token:' || :tok::text, (floor(extract(epoch FROM now()) / 60) * 60)::bigint, 1)
ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + 1
RETURNING hits;
INSERT INTO crm_leads (external_id, title, description, lead_id, prefix, number, amount, currency,
                       qualified, expected_close, user_created_id, created_at, updated_at)
SELECT gen_random_uuid()::text, 'Bench lead ' || :n::text, 'Created by the benchmark.', 'L' || s.n, 'L', s.n,
       125000, 'USD', false, timestamp '2026-09-30 00:00:00', t.tokenable_id,
       now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
FROM (SELECT nextval('bench_ceiling_lead_number') AS n) AS s,
     personal_access_tokens t WHERE t.id = :tok
RETURNING external_id, lead_id, title, description, amount, currency, expected_close, converted_at,
          created_at, updated_at, deleted_at;
