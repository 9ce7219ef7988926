-- A member's requests to extend a temporary transfer (gia hạn, issue 15), as the temporary
-- committee decides them: requested (waiting), granted or refused. At most one waits per transfer.
CREATE TABLE extension_requests (
    request_id text PRIMARY KEY,  -- '<integrator>:<client request id>'
    dossier_code text NOT NULL REFERENCES temporary_transfers (dossier_code),
    months int NOT NULL CHECK (months > 0),
    proposed_ends_on date NOT NULL,  -- the last day if granted
    reason text NOT NULL,
    requested_at timestamptz NOT NULL,
    status text NOT NULL CHECK (status IN ('requested', 'granted', 'refused')),
    decided_at timestamptz,
    decided_by text,
    decision_reason text
);
CREATE UNIQUE INDEX one_waiting_extension_per_transfer ON extension_requests (dossier_code) WHERE status = 'requested';
