-- Whose each dossier is (from dossier.received.v1): the integrator, member and procedure of the
-- documents a v1 amendment hands over inline (issue 17).
CREATE TABLE dossier_holders (
    dossier_code text PRIMARY KEY,
    integrator text NOT NULL,
    member_id text NOT NULL,
    procedure_code text NOT NULL
);
