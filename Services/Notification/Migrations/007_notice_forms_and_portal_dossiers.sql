-- Each notice keeps its e-mail subject and SMS form, so that a contact registered (or a channel
-- chosen) after the notice was written still gets it (ContactHandler queues it then).
ALTER TABLE notices ADD COLUMN email_subject text;
ALTER TABLE notices ADD COLUMN sms_text text;
CREATE INDEX notices_recent_by_recipient ON notices (recipient_kind, recipient_id, created_at);

-- A portal (integrator) reads a member's notices about the dossiers it submitted, and no others.
CREATE TABLE dossier_portals (
    dossier_code text PRIMARY KEY,
    integrator text NOT NULL,
    member_id text NOT NULL
);
CREATE INDEX dossier_portals_member ON dossier_portals (member_id, integrator);
DROP TABLE member_portals;
