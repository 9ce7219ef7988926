-- Digitised results' scans are sealed like documents (Đ.15; issue 17): a data key per scan wrapped
-- by a master key of TTHC_DOCUMENT_KEYS, re-wrapped by the document-upkeep timer after a rotation.
ALTER TABLE results ADD COLUMN scan_master_key_id text;
ALTER TABLE results ADD COLUMN scan_wrapped_key bytea;
-- Every scan written from now on is sealed (NOT VALID: a development database may hold earlier ones).
ALTER TABLE results ADD CONSTRAINT scans_are_sealed
    CHECK (scan IS NULL OR (scan_wrapped_key IS NOT NULL AND scan_master_key_id IS NOT NULL)) NOT VALID;
CREATE INDEX results_scans_by_master_key ON results (scan_master_key_id) WHERE scan_master_key_id IS NOT NULL;
-- Replicas of the version before digitising insert results without an origin during a rolling upgrade.
ALTER TABLE results ALTER COLUMN origin SET DEFAULT 'electronic';
-- One live copy per paper original: its number, date and issuer (numbers repeat across years and
-- issuers); a revoked copy no longer blocks a corrected one.
DROP INDEX results_digitised_original;
CREATE UNIQUE INDEX results_digitised_original ON results (issuing_organisation_code, document_type_code,
    (content->>'originalNumber'), (content->>'originalIssuedOn'), (content->>'originalIssuer'))
    WHERE origin = 'digitised' AND status <> 'revoked';
