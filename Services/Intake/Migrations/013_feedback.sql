-- Feedback and petitions (PAKN, issue 20). `feedback`: one row per item, its receipt sealed
-- (SealedColumn.feedbackReceipt), the word-shingle hashes the duplicate rule compares (never the
-- words), the public status routing's `feedback.updated.v1` sets. Codes PAKN.<year>.<nnnnnn>.
CREATE TABLE feedback (
    code text PRIMARY KEY,
    integrator text NOT NULL REFERENCES integrators (name),
    client_submission_id text NOT NULL,
    sender_kind text NOT NULL,
    sender_id text NOT NULL,
    received_at timestamptz NOT NULL,
    receipt_key_id text NOT NULL,
    receipt_sealed bytea NOT NULL,
    shingles bigint[] NOT NULL,
    duplicate_of text REFERENCES feedback (code),
    status text NOT NULL,
    status_at timestamptz NOT NULL,
    -- The revision of routing's update the status is from (never goes back).
    revision int NOT NULL DEFAULT 0,
    answer_due timestamptz,
    UNIQUE (integrator, client_submission_id)
);
CREATE INDEX feedback_by_sender ON feedback (sender_kind, sender_id, received_at);
CREATE INDEX feedback_receipt_key ON feedback (receipt_key_id);

CREATE TABLE feedback_sequences (
    year int PRIMARY KEY,
    last int NOT NULL
);

-- Follow-ups (withdraw, clarify, rate, appeal), one per integrator request id.
CREATE TABLE feedback_follow_ups (
    integrator text NOT NULL REFERENCES integrators (name),
    client_submission_id text NOT NULL,
    pakn_code text NOT NULL REFERENCES feedback (code),
    requested_at timestamptz NOT NULL,
    request jsonb NOT NULL,
    PRIMARY KEY (integrator, client_submission_id)
);
CREATE INDEX feedback_follow_ups_by_item ON feedback_follow_ups (pakn_code);

-- Each item's timeline, from routing's updates (one row per message id).
CREATE TABLE feedback_events (
    message_id text PRIMARY KEY,
    pakn_code text NOT NULL REFERENCES feedback (code),
    change text NOT NULL,
    status text NOT NULL,
    occurred_at timestamptz NOT NULL,
    details jsonb
);
CREATE INDEX feedback_events_by_item ON feedback_events (pakn_code, occurred_at);

-- Published answers (the sender consented and the organisation chose to publish), searchable by
-- anyone (Đ.38.2): the question's title and the answer, never the sender.
CREATE TABLE published_answers (
    pakn_code text PRIMARY KEY REFERENCES feedback (code),
    kind text NOT NULL,
    topic text NOT NULL,
    title text NOT NULL,
    answer text NOT NULL,
    organisation_code text NOT NULL,
    answered_at timestamptz NOT NULL,
    -- Title and answer folded as FeedbackSimilarity.words folds them (no case, no diacritics), so a
    -- search typed without accents finds them; queries are folded the same way.
    folded text NOT NULL,
    search tsvector GENERATED ALWAYS AS (to_tsvector('simple', folded)) STORED
);
CREATE INDEX published_answers_search ON published_answers USING gin (search);
