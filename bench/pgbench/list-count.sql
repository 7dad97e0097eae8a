-- list.sql plus the exact total as a naive server computes it: COUNT(*) over every live
-- lead on every request (a reference for issue 7 point 7, not a ceiling).
\set tok random(:tok_min, :tok_min + :tok_count - 1)
\set page random(1, :pages)
SELECT t.id, t.token, t.tokenable_type, t.abilities, t.expires_at, t.created_at, t.last_used_at,
       u.id, u.name, u.crm_access, u.current_team_id
FROM personal_access_tokens t JOIN users u ON u.id = t.tokenable_id
WHERE t.id = :tok;
INSERT INTO bench_ceiling_rate_limits AS r (key, window_start, hits)
VALUES ('token:' || :tok::text, (floor(extract(epoch FROM now()) / 60) * 60)::bigint, 1)
ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + 1
RETURNING hits;
SELECT count(*) FROM crm_leads WHERE deleted_at IS NULL;
SELECT l.external_id, l.lead_id, l.title, l.description, l.amount, l.currency, l.expected_close,
       l.converted_at, l.created_at, l.updated_at, l.deleted_at,
       ow.id, ow.name, p.external_id, p.first_name, p.last_name, o.external_id, o.name,
       (SELECT json_agg(json_build_object('id', lb.external_id, 'name', lb.name) ORDER BY lb.id)
          FROM crm_labelables la JOIN crm_labels lb ON lb.id = la.label_id
         WHERE la.crm_labelable_type = 'VentureDrake\LaravelCrm\Models\Lead'
           AND la.crm_labelable_id = l.id AND lb.deleted_at IS NULL)
FROM crm_leads l
LEFT JOIN users ow ON ow.id = l.user_owner_id
LEFT JOIN crm_people p ON p.id = l.person_id
LEFT JOIN crm_organizations o ON o.id = l.organization_id
WHERE l.deleted_at IS NULL
ORDER BY l.created_at DESC, l.id DESC
LIMIT 25 OFFSET (:page - 1) * 25;
