-- GET /crm/api/v2/leads, after gate.sql and before page.sql: the exact total the response
-- carries, as a naive server gets it on every request.
SELECT count(*) FROM crm_leads WHERE deleted_at IS NULL;
