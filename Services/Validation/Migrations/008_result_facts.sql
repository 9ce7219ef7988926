-- What archive announced of the results in members' data stores (`result.issued.v1`,
-- `result.revoked.v1`, issues 16 and 17): a dossier may give a component by an earlier result's
-- code (Đ.13.2), judged by these facts. member_id is null while only a revocation has been heard.
CREATE TABLE result_facts (
    result_code text PRIMARY KEY,
    member_id text,
    document_type text,
    approved boolean,
    issued_at timestamptz,
    revoked_at timestamptz
);
