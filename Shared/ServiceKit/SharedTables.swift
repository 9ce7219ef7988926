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
            // Audit everywhere (issue 21): the kind of actor, whose data (a party member), from
            // where; and `audit_append`, which links a whole transaction's entries in one call
            // (sent with the commit: no round trip of its own).
            Migration(scope: rawValue, version: 3, name: "audit_log_everywhere", sql: """
                ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS actor_kind text, ADD COLUMN IF NOT EXISTS member_id text,
                    ADD COLUMN IF NOT EXISTS origin text;
                CREATE INDEX IF NOT EXISTS audit_log_member ON audit_log (member_id) WHERE member_id IS NOT NULL;
                -- An organisation's trail (its officers' acts) for its inspectors.
                CREATE INDEX IF NOT EXISTS audit_log_organisation ON audit_log (organisation_code, at) WHERE organisation_code IS NOT NULL;
                CREATE OR REPLACE FUNCTION audit_append(p_at timestamptz[], p_person text[], p_organisation text[], p_role text[],
                                                        p_action text[], p_dossier text[], p_allowed boolean[], p_detail text[],
                                                        p_actor_kind text[], p_member text[], p_origin text[])
                RETURNS void LANGUAGE plpgsql AS $$
                DECLARE
                    v_chain text := \(AuditChain.sessionChainSQL);
                    v_count int := coalesce(cardinality(p_action), 0);
                    v_first bigint;
                    v_hash bytea;
                    v_prevs bytea[] := '{}';
                    v_hashes bytea[] := '{}';
                BEGIN
                    IF v_count = 0 THEN RETURN; END IF;
                    IF EXISTS (SELECT 1 FROM unnest(ARRAY[cardinality(p_at), cardinality(p_person), cardinality(p_organisation),
                                                          cardinality(p_role), cardinality(p_dossier), cardinality(p_allowed),
                                                          cardinality(p_detail), cardinality(p_actor_kind), cardinality(p_member),
                                                          cardinality(p_origin)]) AS n
                               WHERE n IS DISTINCT FROM v_count) THEN
                        RAISE EXCEPTION 'audit_append: arrays of different lengths';
                    END IF;
                    INSERT INTO audit_chain_heads (chain, seq, hash) VALUES (v_chain, 0, ''::bytea) ON CONFLICT (chain) DO NOTHING;
                    SELECT seq + 1, hash INTO v_first, v_hash FROM audit_chain_heads WHERE chain = v_chain FOR UPDATE;
                    -- The links in order (each hash covers the one before), then every row in one INSERT.
                    FOR i IN 1 .. v_count LOOP
                        DECLARE
                            chain text := v_chain; seq bigint := v_first + i - 1; at timestamptz := p_at[i];
                            person_id text := p_person[i]; organisation_code text := p_organisation[i]; role text := p_role[i];
                            action text := p_action[i]; dossier_code text := p_dossier[i]; allowed boolean := p_allowed[i];
                            detail text := p_detail[i]; actor_kind text := p_actor_kind[i]; member_id text := p_member[i];
                            origin text := p_origin[i];
                        BEGIN
                            v_prevs := v_prevs || v_hash;
                            v_hash := sha256(v_hash || convert_to(\(AuditChain.canonicalSQL), 'UTF8'));
                            v_hashes := v_hashes || v_hash;
                        END;
                    END LOOP;
                    INSERT INTO audit_log (at, person_id, organisation_code, role, action, dossier_code, allowed, detail,
                                           actor_kind, member_id, origin, chain, seq, prev_hash, hash)
                    SELECT l.at, l.person, l.organisation, l.role, l.action, l.dossier, l.allowed, l.detail, l.actor_kind, l.member,
                           l.origin, v_chain, v_first + l.n - 1, l.prev, l.hash
                    FROM unnest(p_at, p_person, p_organisation, p_role, p_action, p_dossier, p_allowed, p_detail, p_actor_kind,
                                p_member, p_origin, v_prevs, v_hashes) WITH ORDINALITY
                        AS l(at, person, organisation, role, action, dossier, allowed, detail, actor_kind, member, origin, prev, hash, n);
                    UPDATE audit_chain_heads SET seq = v_first + v_count - 1, hash = v_hash WHERE audit_chain_heads.chain = v_chain;
                END $$;
                """),
            // Retention (issue 22, TTHC_AUDIT_RETENTION_DAYS): a chain's oldest links may be removed
            // once a checkpoint kept by archive covers them, and only below the chain's anchor: the
            // last link removed, from which `audit verify` checks what remains and which must be a
            // link archive's checkpoints name.
            Migration(scope: rawValue, version: 4, name: "audit_log_retention", sql: """
                CREATE TABLE IF NOT EXISTS audit_chain_anchors (
                    chain text PRIMARY KEY,
                    seq bigint NOT NULL,
                    hash bytea NOT NULL,
                    removed_rows bigint NOT NULL,
                    pruned_at timestamptz NOT NULL DEFAULT now()
                );
                -- Every head a checkpoint published and when: how far each chain may be pruned.
                CREATE TABLE IF NOT EXISTS audit_checkpoint_history (
                    chain text NOT NULL,
                    seq bigint NOT NULL,
                    hash bytea NOT NULL,
                    published_at timestamptz NOT NULL,
                    PRIMARY KEY (chain, seq)
                );
                CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'DELETE' THEN
                        IF OLD.seq <= (SELECT a.seq FROM audit_chain_anchors a WHERE a.chain = OLD.chain) THEN
                            RETURN OLD;
                        END IF;
                    END IF;
                    RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
                END $$;
                -- Removes, chain by chain, the links up to the last one a checkpoint published before
                -- p_before; returns how many.
                CREATE OR REPLACE FUNCTION audit_prune(p_before timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
                DECLARE
                    v_link record;
                    v_count bigint;
                    v_removed bigint := 0;
                BEGIN
                    FOR v_link IN
                        SELECT DISTINCT ON (h.chain) h.chain, h.seq, h.hash FROM audit_checkpoint_history h
                        WHERE h.published_at < p_before
                          AND h.seq > coalesce((SELECT a.seq FROM audit_chain_anchors a WHERE a.chain = h.chain), 0)
                        ORDER BY h.chain, h.seq DESC
                    LOOP
                        INSERT INTO audit_chain_anchors AS a (chain, seq, hash, removed_rows)
                        VALUES (v_link.chain, v_link.seq, v_link.hash, 0)
                        ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, pruned_at = now();
                        DELETE FROM audit_log WHERE chain = v_link.chain AND seq <= v_link.seq;
                        GET DIAGNOSTICS v_count = ROW_COUNT;
                        UPDATE audit_chain_anchors SET removed_rows = removed_rows + v_count WHERE chain = v_link.chain;
                        DELETE FROM audit_checkpoint_history WHERE chain = v_link.chain AND seq < v_link.seq;
                        v_removed := v_removed + v_count;
                    END LOOP;
                    RETURN v_removed;
                END $$;
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
