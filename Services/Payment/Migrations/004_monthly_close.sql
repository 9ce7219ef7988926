-- The organisation tree as far as dues go up it (from the registry), each organisation's monthly
-- closes (what it received, kept and remitted upward) and the arrears reported to each chi bộ.
CREATE TABLE dues_organisations (
    code text PRIMARY KEY,
    kind text NOT NULL,
    parent_code text,
    revision int NOT NULL
);

CREATE TABLE dues_closes (
    organisation_code text NOT NULL,
    month text NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
    -- Received (from members and from the levels below) and not counted in an earlier close.
    base_vnd bigint NOT NULL CHECK (base_vnd >= 0),
    kept_percent int NOT NULL CHECK (kept_percent BETWEEN 0 AND 100),
    kept_vnd bigint NOT NULL CHECK (kept_vnd >= 0),
    remitted_vnd bigint NOT NULL CHECK (remitted_vnd >= 0),
    parent_code text,
    closed_at timestamptz NOT NULL,
    PRIMARY KEY (organisation_code, month)
);

CREATE TABLE dues_arrears_reports (
    organisation_code text NOT NULL,
    month text NOT NULL,
    members jsonb NOT NULL,
    reported_at timestamptz NOT NULL,
    PRIMARY KEY (organisation_code, month)
);

-- Ledger lines are read per account and time window by the close.
CREATE INDEX ledger_journals_posted ON ledger_journals (kind, posted_at);

-- An unpaid order of a withdrawn dossier is cancelled: its assessment is reversed by a journal.
ALTER TABLE ledger_journals DROP CONSTRAINT ledger_journals_kind_check;
ALTER TABLE ledger_journals ADD CONSTRAINT ledger_journals_kind_check
    CHECK (kind IN ('assessment', 'receipt', 'remittance', 'refund', 'cancellation'));

-- When the platform says the payer paid (vnp_PayDate): reconciliation matches its statement's day.
ALTER TABLE gateway_attempts ADD COLUMN platform_paid_at timestamptz;

-- Dossiers withdrawn before payment heard of their pay step: no order is opened for them.
CREATE TABLE withdrawn_dossiers (
    dossier_code text PRIMARY KEY,
    withdrawn_at timestamptz NOT NULL
);

-- The amounts of payment.requested.v1 (never produced): orders are payment_orders now.
DROP TABLE IF EXISTS payments;
