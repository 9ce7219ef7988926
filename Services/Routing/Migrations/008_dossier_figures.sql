-- Whole-dossier evaluation figures (Đ.37.2, issue 21). Each route keeps its dossier's receiving
-- organisation, official receipt and processing deadline (the procedure's time limit from the
-- official receipt, in the receiving organisation's working days, as intake counts it).
ALTER TABLE routes ADD COLUMN receiving_organisation_code text, ADD COLUMN official_receipt_at timestamptz,
    ADD COLUMN deadline timestamptz;
CREATE INDEX routes_by_receiving_organisation ON routes (receiving_organisation_code, official_receipt_at);
-- The open ones, for the gauges read at every scrape.
CREATE INDEX routes_open_by_receiving_organisation ON routes (receiving_organisation_code)
    WHERE status NOT IN ('decided', 'withdrawn');

-- Every interaction with the submitter (dossier.supplement-requested.v1): a supplement asked for at
-- the content check (validation) or a return during handling (routing).
CREATE TABLE dossier_interactions (
    message_id text PRIMARY KEY,
    dossier_code text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('check-supplement', 'return')),
    at timestamptz NOT NULL
);
CREATE INDEX dossier_interactions_by_dossier ON dossier_interactions (dossier_code);

-- The member's satisfaction with a finished dossier (dossier.rated.v1), once per dossier, for the
-- organisation that received it (also a dossier refused at the check, which has no route).
CREATE TABLE dossier_ratings (
    dossier_code text PRIMARY KEY,
    receiving_organisation_code text NOT NULL,
    rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    rated_at timestamptz NOT NULL
);
