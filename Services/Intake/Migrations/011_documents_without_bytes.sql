-- Documents' bytes are not intake's to keep (issue 17): archive keeps each component, encrypted, and
-- validation keeps every revision encrypted (Đ.15). Submissions and amendments taken before this
-- lose the bytes of their components and signatures (`contentBase64`); their sizes and digests stay,
-- and idempotency compares those.
CREATE FUNCTION pg_temp.without_bytes(a jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN jsonb_typeof(a -> 'signature') = 'object'
                THEN jsonb_set(a - 'contentBase64', '{signature}', (a -> 'signature') - 'contentBase64')
                ELSE a - 'contentBase64' END
$$;
CREATE FUNCTION pg_temp.attachments_without_bytes(list jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(jsonb_agg(pg_temp.without_bytes(a) ORDER BY n), '[]'::jsonb)
    FROM jsonb_array_elements(list) WITH ORDINALITY AS t(a, n)
$$;

UPDATE dossiers SET submission = jsonb_set(submission, '{attachments}', pg_temp.attachments_without_bytes(submission -> 'attachments'))
WHERE jsonb_typeof(submission -> 'attachments') = 'array' AND submission::text LIKE '%contentBase64%';
UPDATE dossiers SET submission = jsonb_set(submission, '{delegation,document}', pg_temp.without_bytes(submission #> '{delegation,document}'))
WHERE jsonb_typeof(submission #> '{delegation,document}') = 'object' AND submission::text LIKE '%contentBase64%';
UPDATE supplements SET receipt = jsonb_set(receipt, '{attachments}', pg_temp.attachments_without_bytes(receipt -> 'attachments'))
WHERE jsonb_typeof(receipt -> 'attachments') = 'array' AND receipt::text LIKE '%contentBase64%';
