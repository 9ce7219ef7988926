-- Integrators allowed to submit, by their RabbitMQ user (the message's verified user_id).
CREATE TABLE integrators (
    name text PRIMARY KEY,
    display_name text NOT NULL,
    active boolean NOT NULL DEFAULT true,
    registered_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO integrators (name, display_name) VALUES
    ('portal-demo', 'Cổng dịch vụ công (demo)'),
    ('portal-test', 'Cổng thử nghiệm tích hợp');

-- Per organisation and day, the last dossier sequence number given (gap-free: taken in the
-- same transaction that creates the dossier).
CREATE TABLE dossier_sequences (
    organisation_code text NOT NULL,
    day date NOT NULL,
    last_value int NOT NULL,
    PRIMARY KEY (organisation_code, day)
);

-- Dossiers (hồ sơ) received; one per integrator and client submission id.
CREATE TABLE dossiers (
    code text PRIMARY KEY,
    integrator text NOT NULL REFERENCES integrators (name),
    client_submission_id text NOT NULL,
    procedure_code text NOT NULL,
    receiving_organisation_code text NOT NULL,
    member_id text NOT NULL,
    received_at timestamptz NOT NULL,
    official_receipt_at timestamptz NOT NULL,
    status text NOT NULL,
    submission jsonb NOT NULL,
    version int NOT NULL DEFAULT 1,
    UNIQUE (integrator, client_submission_id)
);
