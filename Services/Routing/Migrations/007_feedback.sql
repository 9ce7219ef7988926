-- Feedback and petitions (PAKN, issue 20): each item routing handles (FeedbackLifecycle), the item
-- as received sealed at rest (SealedColumn.feedbackItem), its history, and the duplicates intake
-- linked to an earlier item (not handled on their own).
CREATE TABLE feedback_items (
    code text PRIMARY KEY,
    integrator text NOT NULL,
    sender_kind text NOT NULL,
    sender_id text NOT NULL,
    sender_organisation_code text NOT NULL,
    system text NOT NULL,
    topic text NOT NULL,
    item_key_id text NOT NULL,
    item_sealed bytea NOT NULL,
    status text NOT NULL,
    -- Counts the changes; carried in each feedback.updated.v1.
    revision int NOT NULL DEFAULT 0,
    organisation_code text NOT NULL,
    received_at timestamptz NOT NULL,
    complete_at timestamptz NOT NULL,
    answer_due timestamptz,
    extended boolean NOT NULL DEFAULT false,
    late boolean NOT NULL DEFAULT false,
    late_updates int NOT NULL DEFAULT 0,
    clarification_requested boolean NOT NULL DEFAULT false,
    answered_by text,
    answered_at timestamptz,
    -- The first answer, for the evaluation figures: when, and whether after its deadline.
    first_answered_at timestamptz,
    first_answer_late boolean,
    first_answered_by text,
    answer text,
    published boolean,
    appeal_by timestamptz,
    appealed boolean NOT NULL DEFAULT false,
    rated boolean NOT NULL DEFAULT false,
    -- The last rating and whose answer it rated (the figures count it for that organisation).
    rating int,
    rated_organisation text,
    updated_at timestamptz NOT NULL
);
CREATE INDEX feedback_items_by_organisation ON feedback_items (organisation_code, status);
CREATE INDEX feedback_items_item_key ON feedback_items (item_key_id);

CREATE TABLE feedback_history (
    code text NOT NULL REFERENCES feedback_items (code),
    at timestamptz NOT NULL,
    change text NOT NULL,
    status text NOT NULL,
    organisation_code text NOT NULL,
    actor text,
    detail text
);
CREATE INDEX feedback_history_by_item ON feedback_history (code, at);

CREATE TABLE feedback_duplicates (
    code text PRIMARY KEY,
    first_code text NOT NULL,
    received_at timestamptz NOT NULL
);
CREATE INDEX feedback_duplicates_by_first ON feedback_duplicates (first_code);
