-- Who may read a dossier's documents (issue 17): the documents each dossier references (from
-- dossier.received.v1 and dossier.supplement-received.v1) and the organisations that take part in
-- its route (the receiving organisation, then each organisation a step is assigned to, from
-- dossier.step-assigned.v1). An officer reads a document while their organisation takes part in
-- a dossier that references it; participation is never removed, so the receiving organisation of
-- a completed transfer keeps reading the member's file.
CREATE TABLE dossier_documents (
    dossier_code text NOT NULL,
    document_id uuid NOT NULL,
    component_code text NOT NULL,
    file_name text NOT NULL,
    referenced_at timestamptz NOT NULL,
    PRIMARY KEY (dossier_code, document_id)
);
CREATE INDEX dossier_documents_by_document ON dossier_documents (document_id);

CREATE TABLE dossier_participants (
    dossier_code text NOT NULL,
    organisation_code text NOT NULL,
    since timestamptz NOT NULL,
    PRIMARY KEY (dossier_code, organisation_code)
);
