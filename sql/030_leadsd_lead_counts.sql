-- leadsd's exact counts of live leads (deleted_at IS NULL), so that a list's `total` costs a
-- few index probes instead of a COUNT(*) over the whole table.
--
-- Kept by statement-level triggers on crm_leads, so every writer is counted: leadsd, Laravel
-- CRM's own inserts, soft deletes (deleted_at set), restores (deleted_at cleared), owner and
-- team changes, hard deletes, TRUNCATE, and writes from psql. A counter changes in the same
-- transaction as the rows it counts, so a committed count always matches the committed rows.
--
-- Scopes, matching the list's filters ($owner IS NULL OR user_owner_id = $owner, likewise for
-- the team): 0 = every live lead; 1 = per owner; 2 = per team; 3 = per team and owner. A key
-- column that the scope does not use holds 0, so the key never holds NULL. Leads without an
-- owner (or team) are only in the scopes that do not name one.
--
-- Stripes: each scope's count is spread over up to 32 rows, picked by the writing session's
-- backend pid, and read as their sum. Every create updates the scope-0 counter and holds that
-- row lock until its COMMIT (a WAL flush); with a single row, concurrent creates would queue
-- behind each other's flushes. Separate rows let them commit together.
--
-- Nothing existing is dropped, renamed or altered; a restore with pg_dump brings this table's
-- rows along with crm_leads' (the triggers are created after the data). After anything that
-- bypassed the triggers (session_replication_role = replica, ALTER TABLE … DISABLE TRIGGER),
-- run `SELECT leadsd_recount_leads();`.
CREATE TABLE IF NOT EXISTS leadsd_lead_counts (
    scope    smallint NOT NULL,
    team_id  bigint   NOT NULL,
    owner_id bigint   NOT NULL,
    stripe   smallint NOT NULL,
    live     bigint   NOT NULL,
    PRIMARY KEY (scope, team_id, owner_id, stripe)
) WITH (fillfactor = 50);

-- The trigger functions. Each adds one delta per counter that its statement's rows change:
-- the rows are aggregated first, so a statement that touched many leads writes each counter
-- once, and deltas that cancel out (an update that changed neither deleted_at, the owner nor
-- the team) write nothing and lock nothing. Counters are written in key order, so two
-- transactions lock the counters they share in the same order. The four scopes of a row come
-- from the same VALUES list in each function (a NULL owner or team drops the scopes naming
-- it). Each function holds its INSERT itself, rather than calling a shared function with
-- arrays: PL/pgSQL caches the statement's plan per session, and a single-row create costs
-- about a third of what the shared-function version did.
CREATE OR REPLACE FUNCTION leadsd_count_inserted_leads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO leadsd_lead_counts AS c (scope, team_id, owner_id, stripe, live)
    SELECT k.scope, k.team_id, k.owner_id, (pg_backend_pid() % 32)::smallint, count(*)
    FROM leadsd_new_leads AS d
    CROSS JOIN LATERAL (VALUES (0::smallint, 0::bigint, 0::bigint), (1::smallint, 0::bigint, d.user_owner_id),
                               (2::smallint, d.team_id, 0::bigint), (3::smallint, d.team_id, d.user_owner_id))
        AS k(scope, team_id, owner_id)
    WHERE d.deleted_at IS NULL AND k.team_id IS NOT NULL AND k.owner_id IS NOT NULL
    GROUP BY k.scope, k.team_id, k.owner_id
    ORDER BY k.scope, k.team_id, k.owner_id
    ON CONFLICT (scope, team_id, owner_id, stripe) DO UPDATE SET live = c.live + EXCLUDED.live;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION leadsd_count_deleted_leads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO leadsd_lead_counts AS c (scope, team_id, owner_id, stripe, live)
    SELECT k.scope, k.team_id, k.owner_id, (pg_backend_pid() % 32)::smallint, -count(*)
    FROM leadsd_old_leads AS d
    CROSS JOIN LATERAL (VALUES (0::smallint, 0::bigint, 0::bigint), (1::smallint, 0::bigint, d.user_owner_id),
                               (2::smallint, d.team_id, 0::bigint), (3::smallint, d.team_id, d.user_owner_id))
        AS k(scope, team_id, owner_id)
    WHERE d.deleted_at IS NULL AND k.team_id IS NOT NULL AND k.owner_id IS NOT NULL
    GROUP BY k.scope, k.team_id, k.owner_id
    ORDER BY k.scope, k.team_id, k.owner_id
    ON CONFLICT (scope, team_id, owner_id, stripe) DO UPDATE SET live = c.live + EXCLUDED.live;
    RETURN NULL;
END
$$;

-- An update takes every old live row away and adds every new live row; no join by id is
-- needed (and an update of the id itself still counts right).
CREATE OR REPLACE FUNCTION leadsd_count_updated_leads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO leadsd_lead_counts AS c (scope, team_id, owner_id, stripe, live)
    SELECT k.scope, k.team_id, k.owner_id, (pg_backend_pid() % 32)::smallint, sum(d.delta)
    FROM (SELECT team_id, user_owner_id, -1 AS delta FROM leadsd_old_leads WHERE deleted_at IS NULL
          UNION ALL
          SELECT team_id, user_owner_id, 1 FROM leadsd_new_leads WHERE deleted_at IS NULL) AS d
    CROSS JOIN LATERAL (VALUES (0::smallint, 0::bigint, 0::bigint), (1::smallint, 0::bigint, d.user_owner_id),
                               (2::smallint, d.team_id, 0::bigint), (3::smallint, d.team_id, d.user_owner_id))
        AS k(scope, team_id, owner_id)
    WHERE k.team_id IS NOT NULL AND k.owner_id IS NOT NULL
    GROUP BY k.scope, k.team_id, k.owner_id
    HAVING sum(d.delta) <> 0
    ORDER BY k.scope, k.team_id, k.owner_id
    ON CONFLICT (scope, team_id, owner_id, stripe) DO UPDATE SET live = c.live + EXCLUDED.live;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION leadsd_count_truncated_leads() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM leadsd_lead_counts;
    RETURN NULL;
END
$$;

-- Recounts from crm_leads while holding off writers (readers go on). The migration uses it to
-- fill the counters of an existing install; an operator may run it at any time.
CREATE OR REPLACE FUNCTION leadsd_recount_leads() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE crm_leads IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM leadsd_lead_counts;
    INSERT INTO leadsd_lead_counts (scope, team_id, owner_id, stripe, live)
    SELECT k.scope, k.team_id, k.owner_id, 0, count(*)
    FROM crm_leads AS d
    CROSS JOIN LATERAL (VALUES (0::smallint, 0::bigint, 0::bigint), (1::smallint, 0::bigint, d.user_owner_id),
                               (2::smallint, d.team_id, 0::bigint), (3::smallint, d.team_id, d.user_owner_id))
        AS k(scope, team_id, owner_id)
    WHERE d.deleted_at IS NULL AND k.team_id IS NOT NULL AND k.owner_id IS NOT NULL
    GROUP BY k.scope, k.team_id, k.owner_id;
END
$$;

-- Writers wait from here until this migration commits, so no write falls between the
-- triggers' creation and the recount.
LOCK TABLE crm_leads IN SHARE ROW EXCLUSIVE MODE;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'crm_leads'::regclass AND tgname = 'leadsd_count_inserted_leads') THEN
        CREATE TRIGGER leadsd_count_inserted_leads AFTER INSERT ON crm_leads
            REFERENCING NEW TABLE AS leadsd_new_leads
            FOR EACH STATEMENT EXECUTE FUNCTION leadsd_count_inserted_leads();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'crm_leads'::regclass AND tgname = 'leadsd_count_updated_leads') THEN
        CREATE TRIGGER leadsd_count_updated_leads AFTER UPDATE ON crm_leads
            REFERENCING OLD TABLE AS leadsd_old_leads NEW TABLE AS leadsd_new_leads
            FOR EACH STATEMENT EXECUTE FUNCTION leadsd_count_updated_leads();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'crm_leads'::regclass AND tgname = 'leadsd_count_deleted_leads') THEN
        CREATE TRIGGER leadsd_count_deleted_leads AFTER DELETE ON crm_leads
            REFERENCING OLD TABLE AS leadsd_old_leads
            FOR EACH STATEMENT EXECUTE FUNCTION leadsd_count_deleted_leads();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'crm_leads'::regclass AND tgname = 'leadsd_count_truncated_leads') THEN
        CREATE TRIGGER leadsd_count_truncated_leads AFTER TRUNCATE ON crm_leads
            FOR EACH STATEMENT EXECUTE FUNCTION leadsd_count_truncated_leads();
    END IF;
END
$$;

SELECT leadsd_recount_leads();
