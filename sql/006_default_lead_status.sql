-- A fresh install gets lead status 1 ("Lead"), which new leads point at (contract §6).
-- An install that already has statuses, or already has leads, is left as it is.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM crm_lead_statuses) AND NOT EXISTS (SELECT 1 FROM crm_leads) THEN
        INSERT INTO crm_lead_statuses (id, external_id, name, created_at, updated_at)
        VALUES (1, gen_random_uuid()::text, 'Lead',
                date_trunc('second', now() AT TIME ZONE 'UTC'),
                date_trunc('second', now() AT TIME ZONE 'UTC'));
        -- The row was inserted with an explicit id: move the sequence past it.
        PERFORM setval(pg_get_serial_sequence('crm_lead_statuses', 'id'), 1);
    END IF;
END
$$;
