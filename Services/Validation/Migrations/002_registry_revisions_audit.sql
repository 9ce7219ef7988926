-- audit_log moved to ServiceKit's shared table migrations (SharedTable.auditLog); schemas that
-- applied this file before still have it, and that earlier text is accepted:
-- former-checksum: d4d213dcd9b9155d010e3968aae3f86f4fe36dbebdf1e3b6240ba5acf3a2c109
-- The member registry replica (Cơ sở dữ liệu đảng viên), fed by member.registered/updated.v1.
CREATE TABLE members (
    member_id text PRIMARY KEY,
    citizen_id text NOT NULL,
    party_card_number text NOT NULL,
    organisation_code text NOT NULL,
    record jsonb NOT NULL,
    revision int NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX members_citizen_id ON members (citizen_id);

-- Outcome of the content check: awaiting-registry | supplement-requested | accepted | refused.
ALTER TABLE dossiers
    ADD COLUMN procedure_version int,
    ADD COLUMN revision int NOT NULL DEFAULT 1,
    ADD COLUMN check_deadline timestamptz,
    ADD COLUMN problems jsonb,
    ADD COLUMN check_overdue_at timestamptz;
CREATE INDEX dossiers_awaiting_registry ON dossiers (member_id) WHERE status = 'awaiting-registry';

-- Every revision of a dossier's whole content (each version of each component), encrypted with
-- AES-256-GCM (Đ.15.2); key_id names the key so keys can rotate.
CREATE TABLE dossier_revisions (
    dossier_code text NOT NULL,
    revision int NOT NULL,
    key_id text NOT NULL,
    sealed bytea NOT NULL,
    cause text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dossier_code, revision)
);

