-- Party dues (đảng phí) paid per month, whatever the channel (online, or cash recorded by the
-- chi bộ); the source of the dues status an introduction letter records.
CREATE TABLE dues_months (
    member_id text NOT NULL,
    month text NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
    amount_vnd bigint NOT NULL CHECK (amount_vnd >= 0),
    paid_at timestamptz NOT NULL,
    source text NOT NULL,
    PRIMARY KEY (member_id, month)
);
