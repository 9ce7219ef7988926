import Persistence

/// Tables that several services keep, each in its own schema, with the same shape and the same
/// ServiceKit code writing them. Their migrations live here once, in a scope of their own (the
/// table's name); a service opts in with `ServiceDefinition.sharedTables`.
public enum SharedTable: String, Sendable, CaseIterable {
    /// Every view and decision by an officer, allowed or not (Đ.19.3b), written by `AuditLog`.
    case auditLog = "audit_log"
    /// Party organisations' office hours, replicated by `OrganisationHoursHandler` from the registry.
    case organisationHours = "organisation_hours"

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
        }
    }
}
