import Persistence

/// Tables that several services keep, each in its own schema, with the same shape and the same
/// ServiceKit code writing them. Their migrations live here once, in a scope of their own (the
/// table's name); a service opts in with `ServiceDefinition.sharedTables`.
public enum SharedTable: String, Sendable, CaseIterable {
    /// Every view and decision by an officer, allowed or not (Đ.19.3b), written by `AuditLog`.
    case auditLog = "audit_log"
    /// Party organisations' office hours, replicated by `OrganisationHoursHandler` from the registry.
    case organisationHours = "organisation_hours"
    /// Each party member's organisation (chi bộ) now and every move, replicated by
    /// `MemberOrganisationHandler` from the registry and official transfers: the dues obligation
    /// (payment) and the member's data store (archive) follow the member.
    case memberOrganisations = "member_organisations"

    /// `IF NOT EXISTS`: services created these tables in their own migrations before they were
    /// shared, and schemas that applied those already have them.
    public var migrations: [Migration] {
        switch self {
        case .auditLog: [
            Migration(scope: rawValue, version: 1, name: "audit_log", sql: """
                CREATE TABLE IF NOT EXISTS audit_log (
                    id bigserial PRIMARY KEY,
                    at timestamptz NOT NULL DEFAULT now(),
                    person_id text NOT NULL,
                    organisation_code text,
                    role text,
                    action text NOT NULL,
                    dossier_code text,
                    allowed boolean NOT NULL,
                    detail text
                );
                CREATE INDEX IF NOT EXISTS audit_log_dossier ON audit_log (dossier_code);
                """),
            // Tamper-evident (issue 21): append-only, each row in a hash chain (AuditChain).
            Migration(scope: rawValue, version: 2, name: "audit_log_chained", sql: """
                ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS chain text, ADD COLUMN IF NOT EXISTS seq bigint,
                    ADD COLUMN IF NOT EXISTS prev_hash bytea, ADD COLUMN IF NOT EXISTS hash bytea;
                CREATE UNIQUE INDEX IF NOT EXISTS audit_log_chain ON audit_log (chain, seq);
                CREATE TABLE IF NOT EXISTS audit_chain_heads (
                    chain text PRIMARY KEY,
                    seq bigint NOT NULL,
                    hash bytea NOT NULL,
                    started_at timestamptz NOT NULL DEFAULT now()
                );
                -- The link of each chain the last audit.checkpoint.v1 published: apart from the heads,
                -- so that the checkpoint never locks a row a writer updates.
                CREATE TABLE IF NOT EXISTS audit_chain_published (
                    chain text PRIMARY KEY,
                    seq bigint NOT NULL
                );
                -- Every new row is a link (rows from before the chain have none).
                ALTER TABLE audit_log ADD CONSTRAINT audit_log_chained
                    CHECK (chain IS NOT NULL AND seq IS NOT NULL AND prev_hash IS NOT NULL AND hash IS NOT NULL) NOT VALID;
                CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
                END $$;
                DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log;
                CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
                    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
                DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log;
                CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
                    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
                """),
        ]
        case .organisationHours: [
            Migration(scope: rawValue, version: 1, name: "organisation_hours", sql: """
                CREATE TABLE IF NOT EXISTS organisation_hours (
                    code text PRIMARY KEY,
                    office_hours jsonb,
                    revision int NOT NULL,
                    updated_at timestamptz NOT NULL
                );
                """),
        ]
        case .memberOrganisations: [
            Migration(scope: rawValue, version: 1, name: "member_organisations", sql: """
                CREATE TABLE IF NOT EXISTS member_organisations (
                    member_id text PRIMARY KEY,
                    organisation_code text NOT NULL,
                    registry_revision int,  -- the newest registry revision applied
                    since timestamptz NOT NULL
                );
                -- Every move, oldest first: which organisation a member belonged to at any time.
                CREATE TABLE IF NOT EXISTS member_organisation_moves (
                    id bigserial PRIMARY KEY,
                    member_id text NOT NULL,
                    from_organisation_code text,
                    to_organisation_code text NOT NULL,
                    at timestamptz NOT NULL,
                    cause text NOT NULL  -- 'registry' or the transfer's dossier code
                );
                CREATE INDEX IF NOT EXISTS member_organisation_moves_by_member ON member_organisation_moves (member_id, at);
                """),
        ]
        }
    }
}
