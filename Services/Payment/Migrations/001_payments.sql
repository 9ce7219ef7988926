-- Amounts due and their payment state.
CREATE TABLE payments (
    payment_id text PRIMARY KEY,
    dossier_code text,
    member_id text NOT NULL,
    amount_vnd bigint NOT NULL CHECK (amount_vnd >= 0),
    purpose text NOT NULL,
    status text NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    paid_at timestamptz
);
