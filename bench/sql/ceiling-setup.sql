-- Objects the pgbench ceilings use, apart from leadsd's own: the naive server's rate-limit
-- table (one row per key and 60-second window; the same shape, UNLOGGED and fillfactor as
-- leadsd's own leadsd_rate_limits, so the ceiling pays what leadsd pays); a sequence for
-- lead numbers (cheaper than any safe scheme: a ceiling, not a design); the sample of live
-- leads that the show ceiling and wrk pick from.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE UNLOGGED TABLE IF NOT EXISTS bench_ceiling_rate_limits (
    key text NOT NULL,
    window_start bigint NOT NULL,
    hits integer NOT NULL,
    PRIMARY KEY (key, window_start)
) WITH (fillfactor = 50);
CREATE SEQUENCE IF NOT EXISTS bench_ceiling_lead_number START 900000000;
-- The leads show picks from, by number: pgbench draws n and the statement looks the UUID up
-- by primary key, so no UUID is computed per call (psql variable: sample).
DROP TABLE IF EXISTS bench_lead_sample;
CREATE TABLE bench_lead_sample AS
SELECT (row_number() OVER ())::int AS n, external_id
FROM (SELECT external_id FROM crm_leads WHERE deleted_at IS NULL ORDER BY random() LIMIT :sample) AS s;
ALTER TABLE bench_lead_sample ADD PRIMARY KEY (n);
