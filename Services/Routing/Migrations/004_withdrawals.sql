-- Withdrawal (rút hồ sơ, issue 15) asked for a dossier routing does not hold yet: validation may
-- have accepted it just before the request, so its route starts withdrawn when it arrives.
CREATE TABLE withdrawal_requests (
    dossier_code text PRIMARY KEY,
    reason text NOT NULL,
    requested_at timestamptz NOT NULL
);
