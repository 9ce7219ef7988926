-- Notices to members: one per event a person must hear about, in the member's account.
CREATE TABLE notices (
    id bigserial PRIMARY KEY,
    source_message_id text NOT NULL UNIQUE,
    source_type text NOT NULL,
    dossier_code text NOT NULL,
    member_id text NOT NULL,
    channel text NOT NULL DEFAULT 'account',
    text text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notices_member ON notices (member_id, created_at);
