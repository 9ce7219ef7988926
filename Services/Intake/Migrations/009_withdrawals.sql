-- Withdrawal requests (rút hồ sơ, issue 15): at most one per dossier; the first request's answer
-- is given again to any repeat. Idempotent by (integrator, client id) like submissions.
CREATE TABLE withdrawals (
    integrator text NOT NULL REFERENCES integrators (name),
    client_submission_id text NOT NULL,
    dossier_code text NOT NULL UNIQUE REFERENCES dossiers (code),
    requested_at timestamptz NOT NULL,
    request jsonb NOT NULL,
    PRIMARY KEY (integrator, client_submission_id)
);
