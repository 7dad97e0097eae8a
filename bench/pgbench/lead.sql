-- GET /crm/api/v2/leads/{uuid}, after gate.sql: the lead by its UUID with its owner, person,
-- organization and labels in one statement, one row per label (the application folds
-- them), timestamps as stored. The UUID comes from bench_lead_sample (n, external_id),
-- sampled at setup from the live leads (the same sample wrk picks from), so no UUID is
-- computed here: the lookup is one primary-key probe on an int column inside the statement.
-- Variable (-D): sample_count.
\set n random(1, :sample_count)
SELECT l.external_id, l.lead_id, l.title, l.description, l.amount, l.currency, l.expected_close,
       l.converted_at, l.created_at, l.updated_at, l.deleted_at,
       ow.id, ow.name, p.external_id, p.first_name, p.last_name, o.external_id, o.name,
       lb.external_id, lb.name
FROM crm_leads l
LEFT JOIN users ow ON ow.id = l.user_owner_id
LEFT JOIN crm_people p ON p.id = l.person_id AND p.deleted_at IS NULL
LEFT JOIN crm_organizations o ON o.id = l.organization_id AND o.deleted_at IS NULL
LEFT JOIN (crm_labelables la JOIN crm_labels lb ON lb.id = la.label_id AND lb.deleted_at IS NULL)
       ON la.crm_labelable_type = 'VentureDrake\LaravelCrm\Models\Lead' AND la.crm_labelable_id = l.id
WHERE l.external_id = (SELECT s.external_id FROM bench_lead_sample s WHERE s.n = :n)
  AND l.deleted_at IS NULL
ORDER BY lb.id;
