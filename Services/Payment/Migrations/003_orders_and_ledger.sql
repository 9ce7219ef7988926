-- Payment orders (one per dossier's pay step), the attempts sent to the gateway, every callback
-- received, and the ledger of money (sổ cái): append-only, double-entry.

-- An order: what a dossier's member must pay, and its state (PaymentOrderStatus).
CREATE TABLE payment_orders (
    payment_id text PRIMARY KEY,
    dossier_code text NOT NULL UNIQUE,
    member_id text NOT NULL,
    collecting_organisation_code text NOT NULL,
    purpose text NOT NULL CHECK (purpose IN ('party-dues', 'fee')),
    months jsonb NOT NULL,
    amount_due_vnd bigint NOT NULL CHECK (amount_due_vnd >= 0),
    credit_applied_vnd bigint NOT NULL CHECK (credit_applied_vnd >= 0),
    extra_vnd bigint NOT NULL CHECK (extra_vnd >= 0),
    amount_to_pay_vnd bigint NOT NULL CHECK (amount_to_pay_vnd >= 0),
    -- The unguessable part of the checkout link given to the member.
    checkout_token text NOT NULL UNIQUE,
    status text NOT NULL CHECK (status IN ('awaiting-payment', 'paid', 'cancelled')),
    channel text CHECK (channel IN ('online', 'cash', 'credit')),
    provider_reference text,
    created_at timestamptz NOT NULL,
    paid_at timestamptz
);
CREATE INDEX payment_orders_member ON payment_orders (member_id);

-- Each redirect to the gateway: its own reference (vnp_TxnRef, unique per day at VNPay), so an
-- order may be tried again after a failed or abandoned attempt.
CREATE TABLE gateway_attempts (
    transaction_reference text PRIMARY KEY,
    payment_id text NOT NULL REFERENCES payment_orders,
    provider text NOT NULL,
    amount_vnd bigint NOT NULL CHECK (amount_vnd >= 0),
    created_at timestamptz NOT NULL,
    outcome text CHECK (outcome IN ('paid', 'failed')),
    response_code text,
    provider_transaction text
);

-- Every callback the gateway made, with the answer given (audit of the provider's edge).
CREATE TABLE gateway_callbacks (
    callback_id bigserial PRIMARY KEY,
    provider text NOT NULL,
    transaction_reference text,
    provider_transaction text,
    response_code text,
    amount_vnd bigint,
    answer text NOT NULL,
    detail text,
    received_at timestamptz NOT NULL
);

-- Months of dues paid (or exempt) per member: the ledger's view by month.
ALTER TABLE dues_months ADD COLUMN payment_id text;

-- The ledger: one journal per booking, its lines sum to zero (debits positive, credits negative).
-- Accounts: member:<id> (what the member owes; negative = credit carried forward),
-- org:<code>:dues-income, org:<code>:bank, org:<code>:cash.
CREATE TABLE ledger_journals (
    journal_id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('assessment', 'receipt', 'remittance', 'refund')),
    -- What booked it, once: e.g. vnpay:<attempt reference>, cash:<payment id>:<officer>, assessment:<payment id>.
    source_key text NOT NULL UNIQUE,
    payment_id text,
    memo text NOT NULL,
    posted_at timestamptz NOT NULL
);
CREATE TABLE ledger_lines (
    journal_id bigint NOT NULL REFERENCES ledger_journals,
    line int NOT NULL,
    account text NOT NULL,
    amount_vnd bigint NOT NULL CHECK (amount_vnd <> 0),
    PRIMARY KEY (journal_id, line)
);
CREATE INDEX ledger_lines_account ON ledger_lines (account);

-- Append-only: a booking is corrected by another booking, never edited.
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER ledger_journals_append_only BEFORE UPDATE OR DELETE ON ledger_journals
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_lines_append_only BEFORE UPDATE OR DELETE ON ledger_lines
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- Double entry: checked at commit, so a journal's lines are inserted one by one.
CREATE FUNCTION ledger_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT coalesce(sum(amount_vnd), 0) FROM ledger_lines WHERE journal_id = NEW.journal_id) <> 0 THEN
        RAISE EXCEPTION 'ledger journal % does not balance', NEW.journal_id;
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_lines_balanced AFTER INSERT ON ledger_lines
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_balanced();
