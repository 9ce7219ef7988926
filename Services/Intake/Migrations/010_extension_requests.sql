-- Temporary transfers' extension requests (gia hạn sinh hoạt đảng tạm thời, issue 15), one per
-- integrator request id; a repeat gets the first answer. Routing judges each and keeps its state.
CREATE TABLE extension_requests (
    integrator text NOT NULL REFERENCES integrators (name),
    client_submission_id text NOT NULL,
    dossier_code text NOT NULL REFERENCES dossiers (code),
    requested_at timestamptz NOT NULL,
    request jsonb NOT NULL,
    PRIMARY KEY (integrator, client_submission_id)
);
CREATE INDEX extension_requests_by_dossier ON extension_requests (dossier_code);
