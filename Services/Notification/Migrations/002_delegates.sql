-- A delegate (người được ủy quyền, Đ.11) follows the dossier for the member: every notice of the
-- dossier goes to the member and to the delegate while the delegation holds.
CREATE TABLE dossier_delegates (
    dossier_code text PRIMARY KEY,
    delegate_kind text NOT NULL CHECK (delegate_kind IN ('member', 'organisation')),
    delegate_id text NOT NULL,
    delegate_name text NOT NULL,
    -- The delegation's last day (start of that day, Vietnam time); NULL when not limited.
    valid_until timestamptz,
    recorded_at timestamptz NOT NULL
);

-- Who reads the notice: the member (recipient = member_id) or a delegate. One notice per event
-- and recipient, so a redelivered event adds nothing.
ALTER TABLE notices ADD COLUMN recipient_kind text NOT NULL DEFAULT 'member';
ALTER TABLE notices ADD COLUMN recipient_id text;
UPDATE notices SET recipient_id = member_id;
ALTER TABLE notices ALTER COLUMN recipient_id SET NOT NULL;
ALTER TABLE notices DROP CONSTRAINT notices_source_message_id_key;
ALTER TABLE notices ADD CONSTRAINT notices_once_per_recipient UNIQUE (source_message_id, recipient_kind, recipient_id);
CREATE INDEX notices_recipient ON notices (recipient_kind, recipient_id, created_at);
