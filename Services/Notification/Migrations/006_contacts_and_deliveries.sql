-- Contacts (địa chỉ liên hệ) replicated from the registries: where a member or an organisation
-- hears besides the account. `channels`: the ones chosen (a member's choice in the registry;
-- an organisation's official mailbox always gets e-mail). The account cannot be opted out of.
CREATE TABLE contacts (
    recipient_kind text NOT NULL CHECK (recipient_kind IN ('member', 'organisation')),
    recipient_id text NOT NULL,
    name text,
    email text,
    phone text,
    channels text[] NOT NULL,
    registry_revision int NOT NULL,
    PRIMARY KEY (recipient_kind, recipient_id)
);

-- One notice on one channel (giao nhận): queued → sent → delivered, or failed / bounced
-- (DeliveryState in Services/Notification/Rules). Attempts are driven by a durable timer
-- (`notice-delivery`, key = id) with a back-off; the e-mail's Message-ID and the SMS request id
-- derive from the notice and this row, so a re-send after a crash is recognisably the same.
CREATE TABLE deliveries (
    id bigserial PRIMARY KEY,
    notice_id bigint NOT NULL REFERENCES notices (id),
    channel text NOT NULL CHECK (channel IN ('email', 'sms')),
    address text NOT NULL,
    -- The rendered forms: the e-mail's subject (its body is the notice's text in the letter),
    -- the SMS text.
    subject text,
    sms_text text,
    state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'delivered', 'failed', 'bounced')),
    attempts int NOT NULL DEFAULT 0,
    queued_at timestamptz NOT NULL,
    last_attempt_at timestamptz,
    sent_at timestamptz,
    final_at timestamptz,
    provider text,
    provider_reference text,
    last_error text,
    UNIQUE (notice_id, channel)
);
CREATE INDEX deliveries_open ON deliveries (channel, state) WHERE state IN ('queued', 'sent');

-- The version of the template that wrote each notice's text.
ALTER TABLE notices ADD COLUMN template_version int;

-- The portals (integrators) that submitted a member's dossiers: they read that member's notices.
CREATE TABLE member_portals (
    member_id text NOT NULL,
    integrator text NOT NULL,
    since timestamptz NOT NULL,
    PRIMARY KEY (member_id, integrator)
);
