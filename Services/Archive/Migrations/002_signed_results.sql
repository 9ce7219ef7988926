-- Signed results (issue 16, Đ.17–18, 21). A result is `held` until its issuing organisation has a
-- signing key (never issued unsigned), then `issued` with its code, its store code
-- `<dossier code>-KQ(n)` and its detached CMS signature over the exact bytes kept in `document`;
-- `revoked` keeps it for lookup. Rows from before this migration stay as they were (status issued,
-- no signature).
ALTER TABLE results ADD COLUMN status text NOT NULL DEFAULT 'issued' CHECK (status IN ('held', 'issued', 'revoked'));
ALTER TABLE results ALTER COLUMN status DROP DEFAULT;
ALTER TABLE results ADD COLUMN store_code text UNIQUE;
ALTER TABLE results ADD COLUMN result_number int NOT NULL DEFAULT 1;  -- n of <dossier code>-KQ(n)
ALTER TABLE results ALTER COLUMN result_number DROP DEFAULT;
ALTER TABLE results ADD COLUMN issuing_organisation_code text;
ALTER TABLE results ADD COLUMN holder_name text;
ALTER TABLE results ADD COLUMN document bytea;          -- the signed canonical bytes
ALTER TABLE results ADD COLUMN signature bytea;         -- detached CMS (DER)
ALTER TABLE results ADD COLUMN verification_token text UNIQUE;
ALTER TABLE results ADD COLUMN revocation_reason text;
ALTER TABLE results ADD COLUMN revoked_by text;
-- A held result has no code yet: the primary key moves to the dossier and its result number.
ALTER TABLE results DROP CONSTRAINT results_pkey;
ALTER TABLE results DROP CONSTRAINT results_dossier_code_key;
ALTER TABLE results ALTER COLUMN result_code DROP NOT NULL;
ALTER TABLE results ADD PRIMARY KEY (dossier_code, result_number);
CREATE UNIQUE INDEX results_by_code ON results (result_code) WHERE result_code IS NOT NULL;
CREATE INDEX results_held ON results (issuing_organisation_code) WHERE status = 'held';
CREATE INDEX results_by_member ON results (member_id);

-- The issuing organisation's own number sequence per document type and year (gap-free, taken in
-- the issuing transaction).
CREATE TABLE organisation_document_numbers (
    organisation_code text NOT NULL,
    document_type_code text NOT NULL,
    year int NOT NULL,
    last_value int NOT NULL,
    PRIMARY KEY (organisation_code, document_type_code, year)
);
