-- Seeds a freshly migrated leadsd database for the benchmark, in a few set-based statements.
-- psql variables: leads (number of leads), users (number of users, one token each).
-- Deterministic except the token secrets: lead i has external_id bench_uuid('lead', i),
-- number 1000 + i, and is soft-deleted when i % 10 = 0. The load generators pick their leads
-- from a sample of the live ones (bench_lead_sample, sql/ceiling-setup.sql).
\set ON_ERROR_STOP on
SET client_min_messages = warning;

-- A v4-shaped UUID derived from (kind, i): the API validates the 8-4-4-4-12 shape.
CREATE OR REPLACE FUNCTION bench_uuid(kind text, i bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-'
        || substr('89ab', 1 + (strpos('0123456789abcdef', substr(h, 17, 1)) - 1) % 4, 1)
        || substr(h, 18, 3) || '-' || substr(h, 21, 12)
    FROM (SELECT md5(kind || ':' || i::text)) AS m(h)
$$;

-- The plaintext tokens (`<id>|<secret>`) for the load generators; the API never reads this.
CREATE TABLE IF NOT EXISTS bench_tokens (token_id bigint PRIMARY KEY, plaintext text NOT NULL);

BEGIN;

-- Users: the benchmark never logs in, so the password is a hash no password matches.
INSERT INTO users (name, email, password, crm_access, created_at, updated_at)
SELECT 'Bench User ' || i, 'bench-user-' || i || '@example.test', '!bench-user-cannot-log-in',
       true, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
FROM generate_series(1, :users) AS g(i);

-- One Sanctum token per user: token = sha256 hex of the secret, the part after `|`.
CREATE TEMP TABLE seed_secrets AS
SELECT u.id AS user_id,
       substr(md5(random()::text || u.id::text), 1, 20) || substr(md5(random()::text || clock_timestamp()::text), 1, 20) AS secret
FROM users u WHERE u.email LIKE 'bench-user-%@example.test';
WITH inserted AS (
    INSERT INTO personal_access_tokens (tokenable_type, tokenable_id, name, token, abilities, created_at, updated_at)
    SELECT 'App\Models\User', s.user_id, 'bench', encode(sha256(convert_to(s.secret, 'UTF8')), 'hex'), '["*"]',
           now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
    FROM seed_secrets s ORDER BY s.user_id
    RETURNING id, tokenable_id
)
INSERT INTO bench_tokens (token_id, plaintext)
SELECT i.id, i.id::text || '|' || s.secret FROM inserted i JOIN seed_secrets s ON s.user_id = i.tokenable_id;

-- People and organizations: about 30% of the leads link one of each.
INSERT INTO crm_people (external_id, first_name, last_name, created_at, updated_at)
SELECT bench_uuid('person', i), (ARRAY['Ada','Grace','Alan','Edsger','Barbara','Ken','Dennis','Frances'])[1 + i % 8],
       CASE WHEN i % 6 = 0 THEN NULL ELSE 'Person' || i END,
       now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
FROM generate_series(1, greatest(1, :leads / 5)) AS g(i);
INSERT INTO crm_organizations (external_id, name, created_at, updated_at)
SELECT bench_uuid('organization', i), 'Organization ' || i || ' Ltd', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
FROM generate_series(1, greatest(1, :leads / 10)) AS g(i);
INSERT INTO crm_labels (external_id, name, hex, created_at, updated_at)
SELECT bench_uuid('label', i), (ARRAY['Hot','Warm','Cold','Enterprise','SMB','Renewal','Upsell','Partner','Inbound','Outbound','Priority','Q4'])[i],
       'ff0000', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
FROM generate_series(1, 12) AS g(i);

-- Leads, spread over the last two years, newest = highest i.
INSERT INTO crm_leads (external_id, person_id, organization_id, title, description, lead_id, prefix, number,
                       amount, currency, qualified, expected_close, converted_at, user_created_id, user_owner_id,
                       user_deleted_id, created_at, updated_at, deleted_at)
SELECT bench_uuid('lead', g.i),
       p.id, o.id,
       'Lead ' || g.i || ' ' || (ARRAY['renewal','expansion','pilot','migration','support plan','licence','audit','training'])[1 + g.i % 8],
       CASE WHEN g.i % 2 = 0 THEN 'Seeded by the benchmark; lead number ' || g.i || '.' END,
       'L' || (1000 + g.i), 'L', 1000 + g.i,
       CASE WHEN g.i % 9 = 0 THEN NULL ELSE (g.i::bigint * 7919) % 5000000 END,
       CASE WHEN g.i % 5 = 0 THEN 'EUR' ELSE 'USD' END,
       false,
       CASE WHEN g.i % 3 = 0 THEN date_trunc('day', t.created) + interval '60 days' END,
       CASE WHEN g.i % 50 = 0 THEN t.created + interval '30 days' END,
       u.id, CASE WHEN g.i % 7 = 0 THEN NULL ELSE u.id END,
       CASE WHEN g.i % 10 = 0 THEN u.id END,
       t.created, t.created + (g.i % 1000) * interval '1 minute',
       CASE WHEN g.i % 10 = 0 THEN t.created + interval '1 day' END
FROM generate_series(1, :leads) AS g(i)
CROSS JOIN LATERAL (SELECT date_trunc('second', now() AT TIME ZONE 'UTC')
                           - ((:leads - g.i)::bigint * 63072000 / :leads) * interval '1 second' AS created) AS t
JOIN (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM users WHERE email LIKE 'bench-user-%@example.test') AS u
  ON u.rn = 1 + g.i % :users
LEFT JOIN (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM crm_people) AS p
  ON g.i % 10 IN (1, 4, 7) AND p.rn = 1 + (g.i * 7) % greatest(1, :leads / 5)
LEFT JOIN (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM crm_organizations) AS o
  ON g.i % 10 IN (1, 4, 7) AND o.rn = 1 + (g.i * 3) % greatest(1, :leads / 10)
ORDER BY g.i;

-- Labels: every 4th lead has one, every 12th a second one.
WITH lb AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM crm_labels),
     seeded AS (SELECT id, number - 1000 AS i FROM crm_leads WHERE prefix = 'L' AND number > 1000 AND (number - 1000) % 4 = 0)
INSERT INTO crm_labelables (label_id, crm_labelable_id, crm_labelable_type)
SELECT lb.id, s.id, 'VentureDrake\LaravelCrm\Models\Lead'
FROM seeded s JOIN lb ON lb.k = (s.i / 4) % 12
UNION ALL
SELECT lb.id, s.id, 'VentureDrake\LaravelCrm\Models\Lead'
FROM seeded s JOIN lb ON s.i % 12 = 0 AND lb.k = ((s.i / 4) % 12 + 5) % 12;

COMMIT;
ANALYZE;
