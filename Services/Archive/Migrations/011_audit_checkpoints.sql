-- The heads of every service's audit chains, as each published them (audit.checkpoint.v1, issue
-- 21), kept here out of the publishing service's reach: `tthc-admin audit verify` checks that
-- each checkpointed link is still in that service's audit log with the same hash. The service is
-- the broker-verified publisher (its schema's name).
CREATE TABLE audit_checkpoints (
    service text NOT NULL,
    chain text NOT NULL,
    seq bigint NOT NULL,
    hash text NOT NULL,
    checkpointed_at timestamptz NOT NULL,
    PRIMARY KEY (service, chain, seq)
);
