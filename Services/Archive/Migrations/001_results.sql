-- Last document number given per document type (gap-free, taken in the issuing transaction).
CREATE TABLE document_numbers (
    document_type_code text PRIMARY KEY,
    last_value int NOT NULL
);

-- Results (kết quả giải quyết), one per dossier in the skeleton; `<dossier code>-KQ(n)` later.
CREATE TABLE results (
    result_code text PRIMARY KEY,
    dossier_code text NOT NULL UNIQUE,
    member_id text NOT NULL,
    document_type_code text NOT NULL,
    decision text NOT NULL,
    content jsonb NOT NULL,
    sha256 text NOT NULL,
    issued_at timestamptz NOT NULL,
    revoked_at timestamptz
);
