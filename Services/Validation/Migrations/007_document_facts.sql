-- Archive's facts about the documents dossiers reference (`document.stored.v1`, issue 17): who
-- uploaded each for which member, procedure and component, its size, type and digest, and its
-- verified signature once there. No bytes: validation judges references by these facts.
CREATE TABLE document_facts (
    document_id text PRIMARY KEY,
    facts jsonb NOT NULL,
    signed boolean NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A dossier in status awaiting-documents waits for the facts of these documents.
ALTER TABLE dossiers ADD COLUMN awaited_documents text[];
CREATE INDEX dossiers_awaiting_documents ON dossiers USING gin (awaited_documents) WHERE status = 'awaiting-documents';
