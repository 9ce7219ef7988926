-- Components a dossier gives by an earlier result of the member's data store (Đ.13.2,
-- `resultReferences` of dossier.received.v1): the officers who read the dossier's documents are
-- led to the result too, when it is the dossier's own member's (joined through dossier_holders).
CREATE TABLE dossier_result_references (
    dossier_code text NOT NULL,
    result_code text NOT NULL,
    component_code text NOT NULL,
    referenced_at timestamptz NOT NULL,
    PRIMARY KEY (dossier_code, result_code)
);
