-- Archive's answers to the result references of received dossiers (`result.references-checked.v1`,
-- issues 16 and 17): a dossier may give a component by an earlier result's code (Đ.13.2), judged by
-- whether archive found it issued to the dossier's member, its type, and whether it is an
-- approval's and unrevoked. Per dossier: the same code is another member's in another dossier.
CREATE TABLE result_facts (
    dossier_code text NOT NULL,
    result_code text NOT NULL,
    found boolean NOT NULL,
    document_type text,
    approved boolean,
    revoked_at timestamptz,
    PRIMARY KEY (dossier_code, result_code)
);
