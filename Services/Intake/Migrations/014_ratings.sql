-- The member's satisfaction with a finished dossier (dossier.rate.v1, issue 21, Đ.37.2): at most
-- one per dossier; the same request again gets its first answer. Idempotent by (integrator, client id).
CREATE TABLE ratings (
    integrator text NOT NULL REFERENCES integrators (name),
    client_submission_id text NOT NULL,
    dossier_code text NOT NULL UNIQUE REFERENCES dossiers (code),
    requested_at timestamptz NOT NULL,
    request jsonb NOT NULL,
    PRIMARY KEY (integrator, client_submission_id)
);
