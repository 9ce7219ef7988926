-- HTTP integrators authenticate with a bearer token; only its SHA-256 is stored.
-- Development tokens: '<name>-token' (production sets its own with UPDATE ... SET api_token_sha256).
ALTER TABLE integrators ADD COLUMN api_token_sha256 text UNIQUE;
UPDATE integrators SET api_token_sha256 = encode(sha256(convert_to(name || '-token', 'UTF8')), 'hex')
WHERE name IN ('portal-demo', 'portal-test');

-- The public status of each dossier follows its events (status desk, Đ.5.8).
ALTER TABLE dossiers ADD COLUMN status_at timestamptz;
UPDATE dossiers SET status_at = received_at;

-- The public timeline: one row per dossier event, with a Vietnamese summary and no private content.
CREATE TABLE dossier_events (
    message_id text PRIMARY KEY,
    dossier_code text NOT NULL,
    event_type text NOT NULL,
    occurred_at timestamptz NOT NULL,
    summary text NOT NULL
);
CREATE INDEX dossier_events_by_dossier ON dossier_events (dossier_code, occurred_at);
