-- audit_log moved to ServiceKit's shared table migrations (SharedTable.auditLog); schemas that
-- applied this file before still have it, and that earlier text is accepted:
-- former-checksum: 91fbb3283f6e40dfc57173ab8d46d8ae39e20ff5aedc5cc94ca84b8f7565693f
-- The organisation registry replica (tổ chức đảng), fed by organisation.registered/updated.v1.
CREATE TABLE organisations (
    code text PRIMARY KEY,
    kind text NOT NULL,
    parent_code text,
    software_user text,
    record jsonb NOT NULL,
    revision int NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organisations_parent ON organisations (parent_code);

-- A route: in-progress | returned (back to the submitter for a supplement) | decided |
-- awaiting-organisations (the registry replica lacks an organisation the plan needs: waiting_for).
ALTER TABLE routes
    ALTER COLUMN current_organisation_code DROP NOT NULL,
    ADD COLUMN procedure_version int,
    ADD COLUMN accepted jsonb,
    ADD COLUMN current_step int,
    ADD COLUMN waiting_for text,
    ADD COLUMN reason text,
    ADD COLUMN dues_paid_up_to text,
    ADD COLUMN dues_reported_at timestamptz,
    ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX routes_waiting ON routes (waiting_for) WHERE status = 'awaiting-organisations';

-- Each step of a route: waiting | assigned | approved | returned | refused | automatic.
CREATE TABLE route_steps (
    dossier_code text NOT NULL REFERENCES routes (dossier_code),
    step_number int NOT NULL,
    step_code text NOT NULL,
    name text NOT NULL,
    organisation_code text NOT NULL,
    role text NOT NULL,
    action text NOT NULL,
    working_days int NOT NULL,
    needs_dues_status boolean NOT NULL DEFAULT false,
    campaign_deadline_field text,
    status text NOT NULL DEFAULT 'waiting',
    assigned_at timestamptz,
    deadline timestamptz,
    decided_at timestamptz,
    decision text,
    reason text,
    decided_by jsonb,
    content jsonb,
    on_time boolean,
    reminded_at timestamptz,
    escalated_at timestamptz,
    escalated_to text,
    PRIMARY KEY (dossier_code, step_number)
);
-- An organisation's inbox: its assigned steps by deadline.
CREATE INDEX route_steps_inbox ON route_steps (organisation_code, deadline) WHERE status = 'assigned';
CREATE INDEX route_steps_figures ON route_steps (organisation_code) WHERE decided_at IS NOT NULL;

-- Officer roles delegated for a period (Đ.11): the delegate acts for the organisation in the role.
CREATE TABLE delegations (
    id text PRIMARY KEY,
    organisation_code text NOT NULL,
    role text NOT NULL,
    delegate_person_id text NOT NULL,
    granted_by text NOT NULL,
    valid_from timestamptz NOT NULL,
    valid_until timestamptz NOT NULL,
    reason text,
    revoked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX delegations_delegate ON delegations (delegate_person_id, organisation_code);

-- Temporary transfers in force (procedure 2): active | closed.
CREATE TABLE temporary_transfers (
    dossier_code text PRIMARY KEY REFERENCES routes (dossier_code),
    member_id text NOT NULL,
    official_organisation_code text NOT NULL,
    temporary_organisation_code text NOT NULL,
    purpose text NOT NULL,
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    status text NOT NULL DEFAULT 'active',
    extensions int NOT NULL DEFAULT 0,
    closed_at timestamptz
);

-- The route's own history, shown to the organisations on it: assignments, decisions (actor and
-- delegation), waits and resumptions.
CREATE TABLE route_history (
    id bigserial PRIMARY KEY,
    dossier_code text NOT NULL,
    at timestamptz NOT NULL,
    step_number int,
    event text NOT NULL,
    organisation_code text,
    actor jsonb,
    detail text
);
CREATE INDEX route_history_dossier ON route_history (dossier_code, id);
