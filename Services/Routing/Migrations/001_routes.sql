-- The route of each accepted dossier between organisations, and its decision.
CREATE TABLE routes (
    dossier_code text PRIMARY KEY,
    procedure_code text NOT NULL,
    member_id text NOT NULL,
    current_organisation_code text NOT NULL,
    status text NOT NULL,
    decision text,
    decided_at timestamptz,
    version int NOT NULL DEFAULT 1
);
