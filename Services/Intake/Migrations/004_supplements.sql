-- Amendments (bổ sung hồ sơ, Đ.15) taken for existing dossiers; one per integrator and client id.
CREATE TABLE supplements (
    integrator text NOT NULL REFERENCES integrators (name),
    client_submission_id text NOT NULL,
    dossier_code text NOT NULL REFERENCES dossiers (code),
    received_at timestamptz NOT NULL,
    receipt jsonb NOT NULL,
    PRIMARY KEY (integrator, client_submission_id)
);
CREATE INDEX supplements_dossier ON supplements (dossier_code);
