-- Objects the pgbench ceiling uses, apart from leadsd's own: the naive server's rate-limit
-- table (one row per key and 60-second window; the same shape, UNLOGGED and fillfactor as
-- leadsd's own leadsd_rate_limits, so the ceiling pays what leadsd pays) and a sequence for
-- lead numbers (cheaper than any safe scheme: a ceiling, not a design).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE UNLOGGED TABLE IF NOT EXISTS bench_ceiling_rate_limits (
    key text NOT NULL,
    window_start bigint NOT NULL,
    hits integer NOT NULL,
    PRIMARY KEY (key, window_start)
) WITH (fillfactor = 50);
CREATE SEQUENCE IF NOT EXISTS bench_ceiling_lead_number START 900000000;
