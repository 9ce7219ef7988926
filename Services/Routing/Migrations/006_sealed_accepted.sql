-- The accepted dossier's content each route keeps (what the organisations need, Đ.22.2) is sealed
-- at rest (issue 17, Đ.15.2): AES-256-GCM ciphertext under routing's own keys (TTHC_HISTORY_KEYS).
-- Rows from before stay readable in `accepted` until the sealed-content upkeep seals them and
-- empties it; afterwards run VACUUM FULL routes. The indexes let the upkeep find what is left.
ALTER TABLE routes ADD COLUMN accepted_key_id text, ADD COLUMN accepted_sealed bytea;
CREATE INDEX routes_accepted_key ON routes (accepted_key_id);
CREATE INDEX routes_accepted_plaintext ON routes (dossier_code) WHERE accepted IS NOT NULL;
