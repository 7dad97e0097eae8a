-- Response bodies in the contract's shape, built from the seed, for the nginx ceiling when
-- the run has no leadsd to ask (`--ceilings-only`). psql variable which: show | list.
CREATE OR REPLACE FUNCTION pg_temp.ts(t timestamp) RETURNS text LANGUAGE sql AS
$$ SELECT to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') $$;
CREATE TEMP VIEW lead_json AS
SELECT l.created_at, l.id, json_build_object(
    'id', l.external_id, 'lead_id', l.lead_id, 'title', l.title, 'description', l.description,
    'amount', (l.amount / 100.0)::numeric(20, 2), 'currency', l.currency,
    'expected_close', pg_temp.ts(l.expected_close), 'converted_at', pg_temp.ts(l.converted_at),
    'created_at', pg_temp.ts(l.created_at), 'updated_at', pg_temp.ts(l.updated_at),
    'deleted_at', pg_temp.ts(l.deleted_at),
    'owner', CASE WHEN ow.id IS NOT NULL THEN json_build_object('id', ow.id, 'name', ow.name) END,
    'person', CASE WHEN p.id IS NOT NULL THEN json_build_object('id', p.external_id, 'name', trim(p.first_name || ' ' || coalesce(p.last_name, ''))) END,
    'organization', CASE WHEN o.id IS NOT NULL THEN json_build_object('id', o.external_id, 'name', o.name) END,
    'labels', coalesce((SELECT json_agg(json_build_object('id', lb.external_id, 'name', lb.name) ORDER BY lb.id)
                          FROM crm_labelables la JOIN crm_labels lb ON lb.id = la.label_id
                         WHERE la.crm_labelable_type = 'VentureDrake\LaravelCrm\Models\Lead' AND la.crm_labelable_id = l.id), '[]')
) AS body
FROM crm_leads l
LEFT JOIN users ow ON ow.id = l.user_owner_id
LEFT JOIN crm_people p ON p.id = l.person_id
LEFT JOIN crm_organizations o ON o.id = l.organization_id
WHERE l.deleted_at IS NULL;
-- json_build_object writes `"key" : value, `; leadsd writes compact JSON, so the sizes match
-- once those spaces go (no seeded value contains either pattern).
SELECT replace(replace(CASE :'which'
  WHEN 'show' THEN (SELECT json_build_object('data', body)::text FROM lead_json
                     WHERE id = (SELECT id FROM crm_leads WHERE external_id = bench_uuid('lead', 4)))
  ELSE (SELECT json_build_object(
          'data', json_agg(body ORDER BY created_at DESC, id DESC),
          'links', json_build_object('first', 'https://127.0.0.1/crm/api/v2/leads?per_page=25&page=1',
                                     'last', 'https://127.0.0.1/crm/api/v2/leads?per_page=25&page=3600',
                                     'prev', NULL, 'next', 'https://127.0.0.1/crm/api/v2/leads?per_page=25&page=2'),
          'meta', json_build_object('current_page', 1, 'from', 1, 'last_page', 3600,
                                    'links', '[]'::json, 'path', 'https://127.0.0.1/crm/api/v2/leads',
                                    'per_page', 25, 'to', 25, 'total', 90000))::text
        FROM (SELECT body, created_at, id FROM lead_json ORDER BY created_at DESC, id DESC LIMIT 25) AS page)
END, '" : ', '":'), ', "', ',"');
