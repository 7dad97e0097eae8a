-- leadsd's shared rate-limit counters: one row per key (token, client IP) and fixed 60 s window.
--
-- Every worker on every host upserts the row of the current window with
-- INSERT … ON CONFLICT DO UPDATE SET hits = hits + 1 RETURNING hits, so they all agree exactly.
--
-- UNLOGGED: the counters are written on every API request; skipping the WAL keeps that cheap,
-- and losing them in a crash only resets the limits of the current minute.
-- The primary key is the only index, so the upsert touches one index and the update of `hits`
-- (not an indexed column) can stay a HOT update; fillfactor leaves room on the page for it.
-- window_start is unix seconds (a multiple of 60) from the database clock, so hosts whose
-- clocks differ still share windows, and X-RateLimit-Reset is window_start + 60.
-- Old windows are deleted by each worker's janitor every minute (see RateLimitJanitor.swift).
CREATE UNLOGGED TABLE IF NOT EXISTS leadsd_rate_limits (
    key          text    NOT NULL,
    window_start bigint  NOT NULL,
    hits         integer NOT NULL,
    PRIMARY KEY (key, window_start)
) WITH (fillfactor = 50);
