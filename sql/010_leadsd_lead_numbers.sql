-- leadsd's lead numbers: unique under concurrent creates from any number of workers and hosts.
--
-- A single counter row. The create statement upserts it (INSERT … ON CONFLICT DO UPDATE) in
-- the same statement that inserts the lead, taking
--     GREATEST(counter + 1, 1 + max(crm_leads.number))
-- so numbers Laravel CRM itself handed out (rows it inserted, soft-deleted ones included) are
-- honoured, and the row lock the upsert holds until COMMIT serializes concurrent creates:
-- the next transaction re-reads the committed counter, never a stale one.
CREATE TABLE IF NOT EXISTS leadsd_lead_numbers (
    id smallint PRIMARY KEY CHECK (id = 1),
    last_number bigint NOT NULL
);

-- max(number) is read on every create; 005_api_indexes.sql's crm_leads_number_index makes it
-- one index probe.
