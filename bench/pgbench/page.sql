-- GET /crm/api/v2/leads?per_page=25&page=P (P random in 1..:pages), after gate.sql (and
-- count.sql for the list ceiling; without it, the list-page reference): 25 live leads
-- newest first by OFFSET, picked before they are joined to their owner, person,
-- organization and labels (one row per label). Variable (-D): pages.
\set offset (random(1, :pages) - 1) * 25
SELECT l.external_id, l.lead_id, l.title, l.description, l.amount, l.currency, l.expected_close,
       l.converted_at, l.created_at, l.updated_at, l.deleted_at,
       ow.id, ow.name, p.external_id, p.first_name, p.last_name, o.external_id, o.name,
       lb.external_id, lb.name
FROM (SELECT * FROM crm_leads WHERE deleted_at IS NULL
      ORDER BY created_at DESC, id DESC LIMIT 25 OFFSET :offset) AS l
LEFT JOIN users ow ON ow.id = l.user_owner_id
LEFT JOIN crm_people p ON p.id = l.person_id AND p.deleted_at IS NULL
LEFT JOIN crm_organizations o ON o.id = l.organization_id AND o.deleted_at IS NULL
LEFT JOIN (crm_labelables la JOIN crm_labels lb ON lb.id = la.label_id AND lb.deleted_at IS NULL)
       ON la.crm_labelable_type = 'VentureDrake\LaravelCrm\Models\Lead' AND la.crm_labelable_id = l.id
ORDER BY l.created_at DESC, l.id DESC, lb.id;
