-- POST /crm/api/v2/leads, after gate.sql: one INSERT ... RETURNING of the new lead with the
-- wrk body's fields, numbered from a sequence (cheaper than any safe scheme: a ceiling, not
-- a design), in its own transaction (a WAL flush, as every create); the user id is the
-- token row's (gate.sql's \gset). The new lead's external id comes from the client side,
-- as an application makes its UUID: id_base (-D, one per pgbench run) + client * 10^9 +
-- the client's own count (seq, -D seq=0), sent as text. bench/run disables leadsd's
-- live-lead count triggers on crm_leads for these runs: they are leadsd's own cost, which
-- a naive server's database does not have.
\set seq :seq + 1
\set new_id :id_base + :client_id * 1000000000 + :seq
INSERT INTO crm_leads (external_id, title, description, lead_id, prefix, number, amount, currency,
                       qualified, expected_close, user_created_id, created_at, updated_at)
SELECT :new_id::text, 'Bench ceiling lead', 'Created by the benchmark.', 'L' || s.n, 'L', s.n,
       125000, 'USD', false, timestamp '2026-09-30 00:00:00', :tokenable_id::bigint,
       now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
FROM (SELECT nextval('bench_ceiling_lead_number') AS n) AS s
RETURNING id, external_id, lead_id, title, description, amount, currency, expected_close,
          converted_at, created_at, updated_at, deleted_at;
