-- Indexes the API needs and Laravel CRM lacks; IF NOT EXISTS so they also apply to an
-- existing install. (A big existing table is locked against writes while its index builds:
-- run `leadsd migrate` in a quiet moment, or create these CONCURRENTLY by hand first with
-- the same names.)

-- Lookups by the UUID that the API exposes as `id`.
CREATE INDEX IF NOT EXISTS crm_leads_external_id_index ON crm_leads (external_id);
CREATE INDEX IF NOT EXISTS crm_people_external_id_index ON crm_people (external_id);
CREATE INDEX IF NOT EXISTS crm_organizations_external_id_index ON crm_organizations (external_id);
CREATE INDEX IF NOT EXISTS crm_labels_external_id_index ON crm_labels (external_id);
CREATE INDEX IF NOT EXISTS crm_lead_sources_external_id_index ON crm_lead_sources (external_id);
CREATE INDEX IF NOT EXISTS crm_pipeline_stages_external_id_index ON crm_pipeline_stages (external_id);

-- Listing live leads: one index per sort key, id as the tie-breaker so that keyset and
-- offset pages are stable. A backward scan serves the descending order.
CREATE INDEX IF NOT EXISTS crm_leads_live_created_at_index
    ON crm_leads (created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS crm_leads_live_updated_at_index
    ON crm_leads (updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS crm_leads_live_title_index
    ON crm_leads (title, id) WHERE deleted_at IS NULL;
-- Null amounts sort last in both directions, which a backward scan of one index cannot give.
CREATE INDEX IF NOT EXISTS crm_leads_live_amount_index
    ON crm_leads (amount ASC NULLS LAST, id ASC) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS crm_leads_live_amount_desc_index
    ON crm_leads (amount DESC NULLS LAST, id DESC) WHERE deleted_at IS NULL;
-- Filter by owner, newest first (the default sort).
CREATE INDEX IF NOT EXISTS crm_leads_live_owner_index
    ON crm_leads (user_owner_id, created_at, id) WHERE deleted_at IS NULL;

-- The next lead number is 1 + max(number) over all leads, soft-deleted included.
CREATE INDEX IF NOT EXISTS crm_leads_number_index ON crm_leads (number);

-- A lead's labels. Laravel's morphs() index has this name, so an existing one is kept.
CREATE INDEX IF NOT EXISTS crm_labelables_crm_labelable_type_crm_labelable_id_index
    ON crm_labelables (crm_labelable_type, crm_labelable_id);
