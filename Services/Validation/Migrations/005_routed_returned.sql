-- 004 marked only accepted dossiers as routed; a dossier an organisation had returned before it
-- waits for its supplement with routing holding its route: routing closes and announces it too.
UPDATE dossiers SET routed = true
WHERE NOT routed AND problems @> '[{"code": "returned-by-organisation"}]'::jsonb;
