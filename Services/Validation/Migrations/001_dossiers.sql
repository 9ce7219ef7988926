-- Dossiers under content check, with their outcome.
CREATE TABLE dossiers (
    code text PRIMARY KEY,
    procedure_code text NOT NULL,
    receiving_organisation_code text NOT NULL,
    member_id text NOT NULL,
    official_receipt_at timestamptz NOT NULL,
    status text NOT NULL,
    version int NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now()
);
