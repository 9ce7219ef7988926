-- An organisation's officers read its notices (the inbox): when one was marked read, and by whom.
ALTER TABLE notices ADD COLUMN read_at timestamptz;
ALTER TABLE notices ADD COLUMN read_by text;
CREATE INDEX notices_inbox ON notices (recipient_kind, recipient_id, id);
