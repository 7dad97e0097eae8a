-- list.sql without the count(*): the ceiling of a server that keeps the exact total
-- elsewhere (leadsd reads trigger-kept counters). A reference printed beside the ceiling,
-- not the ceiling: a naive server counts (list.sql).
\set tok random(:tok_min, :tok_min + :tok_count - 1)
\set offset (random(1, :pages) - 1) * 25
SELECT t.id, t.token, t.tokenable_type, t.tokenable_id, t.abilities, t.expires_at, t.created_at,
       t.last_used_at, u.name, u.email, u.crm_access, u.current_team_id
FROM personal_access_tokens t JOIN users u ON u.id = t.tokenable_id
WHERE t.id = :tok;
INSERT INTO bench_ceiling_rate_limits AS r (key, window_start, hits)
VALUES (:tok, (floor(extract(epoch FROM now()) / 60) * 60)::bigint, 1)
ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + 1
RETURNING hits;
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
