-- Office hours of party organisations, replicated from organisation.registered/updated.v1
-- (ServiceKit's OrganisationHoursHandler): receipts and deadlines in each organisation's own hours.
CREATE TABLE organisation_hours (
    code text PRIMARY KEY,
    office_hours jsonb,
    revision int NOT NULL,
    updated_at timestamptz NOT NULL
);
