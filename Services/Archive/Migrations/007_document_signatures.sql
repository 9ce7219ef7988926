-- A document's detached CMS signature (Đ.14.2), uploaded after the document with the same ticket
-- and verified here, where the bytes are (issue 17). The signature file is sealed with the
-- document's own data key (so a master key rotation covers it); the facts it established are
-- kept beside it and announced (`document.stored.v1`). One signature per document.
CREATE TABLE document_signatures (
    document_id uuid PRIMARY KEY REFERENCES documents ON DELETE CASCADE,
    sealed bytea NOT NULL,
    signature_sha256 text NOT NULL,
    subject text NOT NULL,
    common_name text,
    subject_serial_number text,
    signing_time timestamptz,
    verified_at timestamptz NOT NULL
);
