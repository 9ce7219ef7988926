-- Dossier content at rest is sealed (issue 17, Đ.15.2): the submission intake keeps for
-- idempotency and the amendments' receipts are AES-256-GCM ciphertext under intake's own keys
-- (TTHC_HISTORY_KEYS), never plaintext. Rows from before stay readable in the old column until the
-- sealed-content upkeep seals them and empties it; afterwards run VACUUM FULL on both tables so
-- that no old row version keeps the plaintext. The indexes let the upkeep find what is left.
ALTER TABLE dossiers ALTER COLUMN submission DROP NOT NULL,
    ADD COLUMN submission_key_id text, ADD COLUMN submission_sealed bytea,
    ADD CONSTRAINT dossiers_submission_kept CHECK ((submission IS NULL) <> (submission_sealed IS NULL));
CREATE INDEX dossiers_submission_key ON dossiers (submission_key_id);
CREATE INDEX dossiers_submission_plaintext ON dossiers (code) WHERE submission IS NOT NULL;

ALTER TABLE supplements ALTER COLUMN receipt DROP NOT NULL,
    ADD COLUMN receipt_key_id text, ADD COLUMN receipt_sealed bytea,
    ADD CONSTRAINT supplements_receipt_kept CHECK ((receipt IS NULL) <> (receipt_sealed IS NULL));
CREATE INDEX supplements_receipt_key ON supplements (receipt_key_id);
CREATE INDEX supplements_receipt_plaintext ON supplements (dossier_code) WHERE receipt IS NOT NULL;
