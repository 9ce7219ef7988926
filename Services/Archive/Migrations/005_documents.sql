-- Documents (issue 17): a dossier's components, stored once, encrypted at rest (Đ.15). Each
-- document has its own AES-256 data key, kept only wrapped by a master key (`wrapped_key`, its id in
-- `master_key_id`); its bytes are kept in chunks of 256 KiB, each sealed with AES-256-GCM
-- (nonce ‖ ciphertext ‖ tag, the document id and chunk number authenticated). Nothing here is
-- plaintext but the facts: size, digest, media type, who uploaded it for whom.
-- `status`: uploading → stored; an upload that does not finish is deleted (at once, or by the
-- sweep after a crash) and never referenced.
CREATE TABLE documents (
    document_id uuid PRIMARY KEY,                 -- the upload ticket's id
    integrator text NOT NULL,                     -- who uploaded it (from the ticket)
    member_id text NOT NULL,
    procedure_code text NOT NULL,
    component_code text NOT NULL,
    media_type text NOT NULL,
    status text NOT NULL CHECK (status IN ('uploading', 'stored')),
    size_bytes bigint,
    sha256 text,
    chunk_count int,
    master_key_id text NOT NULL,
    wrapped_key bytea NOT NULL,
    started_at timestamptz NOT NULL,
    stored_at timestamptz,
    CHECK (status = 'uploading' OR (size_bytes IS NOT NULL AND sha256 IS NOT NULL AND chunk_count IS NOT NULL))
);
CREATE INDEX documents_uploading ON documents (started_at) WHERE status = 'uploading';
CREATE INDEX documents_by_master_key ON documents (master_key_id);

CREATE TABLE document_chunks (
    document_id uuid NOT NULL REFERENCES documents ON DELETE CASCADE,
    chunk_number int NOT NULL,
    sealed bytea NOT NULL,
    PRIMARY KEY (document_id, chunk_number)
);
-- Sealed chunks do not compress: keep them out of TOAST's compression attempts.
ALTER TABLE document_chunks ALTER COLUMN sealed SET STORAGE EXTERNAL;

-- The upkeep timer (re-wrapping data keys after a master key rotation, sweeping interrupted
-- uploads) re-arms itself every minute from its first firing.
INSERT INTO timers (kind, key, due_at) VALUES ('document-upkeep', 'all', now()) ON CONFLICT DO NOTHING;
