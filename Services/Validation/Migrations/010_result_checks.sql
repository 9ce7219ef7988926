-- Result references are answered by archive on demand (`result.references-checked.v1`) instead of
-- validation replicating every result (008): the answers are kept per dossier (the same code is
-- another member's in another dossier), the newest standing (a revocation is answered again).
DROP TABLE result_facts;
CREATE TABLE result_facts (
    dossier_code text NOT NULL,
    result_code text NOT NULL,
    found boolean NOT NULL,
    document_type text,
    approved boolean,
    revoked_at timestamptz,
    checked_at timestamptz NOT NULL,
    PRIMARY KEY (dossier_code, result_code)
);
