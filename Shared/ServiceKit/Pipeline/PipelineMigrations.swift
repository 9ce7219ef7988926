import Persistence

/// ServiceKit's own tables in every service's schema: inbox, outbox, dead letters.
public enum PipelineMigrations {
    public static let all: [Migration] = [
        Migration(scope: "servicekit", version: 1, name: "inbox_outbox_dead_letters", sql: """
            -- Inbox: ids of messages already handled; a redelivery finds its id and is skipped.
            CREATE TABLE inbox (
                message_id text PRIMARY KEY,
                message_type text NOT NULL,
                handled_at timestamptz NOT NULL DEFAULT now()
            );
            -- Outbox: messages to publish, written in the same transaction as the state change.
            CREATE TABLE outbox (
                id bigserial PRIMARY KEY,
                message_id text NOT NULL,
                exchange text NOT NULL,
                routing_key text NOT NULL,
                message_type text NOT NULL,
                content_type text NOT NULL,
                correlation_id text,
                headers jsonb NOT NULL DEFAULT '{}',
                body bytea NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            );
            -- Dead letters this service produced, kept for the record (the queue holds the copy to replay).
            CREATE TABLE dead_letters (
                id bigserial PRIMARY KEY,
                message_id text,
                message_type text,
                error_code text NOT NULL,
                reason text NOT NULL,
                source_queue text NOT NULL,
                body bytea NOT NULL,
                dead_lettered_at timestamptz NOT NULL DEFAULT now()
            );
            """),
        Migration(scope: "servicekit", version: 2, name: "inbox_retention_index", sql: """
            -- The relay prunes ids older than TTHC_INBOX_RETENTION_DAYS.
            CREATE INDEX inbox_handled_at ON inbox (handled_at);
            """),
        Migration(scope: "servicekit", version: 3, name: "durable_timers", sql: """
            -- Durable timers: due work (deadlines, reminders) that survives restarts and is shared by
            -- replicas; (kind, key) makes scheduling idempotent.
            CREATE TABLE timers (
                id bigserial PRIMARY KEY,
                kind text NOT NULL,
                key text NOT NULL,
                due_at timestamptz NOT NULL,
                payload jsonb NOT NULL DEFAULT '{}',
                fired_at timestamptz,
                created_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (kind, key)
            );
            CREATE INDEX timers_due ON timers (due_at) WHERE fired_at IS NULL;
            """),
        Migration(scope: "servicekit", version: 4, name: "inbox_content_digest", sql: """
            -- The SHA-256 of each handled message's body: the same id with other content is a
            -- conflict (dead-lettered conflicting-duplicate), not a redelivery. Null for older rows.
            ALTER TABLE inbox ADD COLUMN content_sha256 bytea;
            """),
        Migration(scope: "servicekit", version: 5, name: "dead_letter_digests", sql: """
            -- A dead letter's body stays on the service's dead-letter queue, the copy an operator
            -- inspects and replays; the table keeps its SHA-256 and size, so no dossier content lies
            -- here in plaintext (issue 17). A message the broker refused to take from the outbox has
            -- no other copy: its body is kept.
            ALTER TABLE dead_letters ALTER COLUMN body DROP NOT NULL,
                ADD COLUMN body_sha256 text, ADD COLUMN body_bytes int;
            UPDATE dead_letters SET body_sha256 = encode(sha256(body), 'hex'), body_bytes = length(body),
                body = CASE WHEN source_queue LIKE 'outbox:%' THEN body END;
            """),
        Migration(scope: "servicekit", version: 6, name: "dead_letter_retention_index", sql: """
            -- The relay prunes records older than TTHC_DEAD_LETTER_RETENTION_DAYS.
            CREATE INDEX dead_letters_at ON dead_letters (dead_lettered_at);
            """),
    ]
}
