import Contracts
import Foundation
import Persistence
import RoutingRules
import ServiceKit

/// All SQL of routing's route tables (`routes`, `route_steps`, `route_history`): routes are read
/// locked, changed in memory by `RouteDesk` and `RouteLifecycle`, and written back by `save`.
/// The officers' views are in `RouteStore+Views.swift`.
struct RouteStore: Sendable {
    /// Seals the accepted dossiers kept (TTHC_HISTORY_KEYS).
    let content: SealedContent

    /// Serialises, per dossier, the start of its route and a withdrawal asked for before it: both
    /// take this transaction-scoped lock first (in code order), so a withdrawal either finds the
    /// committed route or leaves a request the starting transaction reads after the lock.
    func lockDossiers(_ codes: [String], db: PostgresConnection) throws {
        try db.executeDeferred("""
            SELECT count(pg_advisory_xact_lock(hashtextextended('routing.dossier:' || code, 0))) AS n
            FROM (SELECT DISTINCT unnest($1::text[]) AS code ORDER BY 1) AS t
            """, [PostgresArray(codes)])
    }

    /// Inserts the routes of newly accepted dossiers (status `planning`); returns the codes that
    /// were new (the others were accepted before: a resumption or a repeat).
    func insertAccepted(_ accepted: [DossierAcceptedV1], db: PostgresConnection) throws -> Set<String> {
        let inserted = try db.execute("""
            INSERT INTO routes (dossier_code, procedure_code, member_id, status, accepted_key_id, accepted_sealed,
                                receiving_organisation_code, official_receipt_at)
            SELECT code, procedure, member, $5, $6, sealed, receiving, receipt
            FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $7::text[], $8::timestamptz[])
                AS t(code, procedure, member, sealed, receiving, receipt)
            ON CONFLICT (dossier_code) DO NOTHING
            RETURNING dossier_code
            """, [PostgresArray(accepted.map(\.dossierCode)), PostgresArray(accepted.map(\.procedureCode)),
                  PostgresArray(accepted.map(\.submitter.memberId)),
                  PostgresArray(try accepted.map { ByteA(try content.seal($0, context: SealedColumn.acceptedContext($0.dossierCode)).bytes) }),
                  RouteStatus.planning.rawValue, content.cipher.currentKeyId,
                  PostgresArray(accepted.map(\.receivingOrganisationCode)), PostgresArray(accepted.map(\.officialReceiptAt))])
        return Set(try inserted.rows.map { try $0.string("dossier_code") })
    }

    /// The processing deadlines of new routes (the whole dossier's, for the evaluation figures).
    func recordDeadlines(_ deadlines: [String: Date], db: PostgresConnection) throws {
        guard !deadlines.isEmpty else { return }
        let codes = deadlines.keys.sorted()
        try db.executeDeferred("""
            UPDATE routes r SET deadline = d.deadline FROM unnest($1::text[], $2::timestamptz[]) AS d(code, deadline)
            WHERE r.dossier_code = d.code
            """, [PostgresArray(codes), PostgresArray(codes.map { deadlines[$0]! })])
    }

    /// The route with its row locked (FOR UPDATE) until the transaction ends; nil when unknown.
    func locked(_ code: String, db: PostgresConnection) throws -> Route? {
        guard let row = try db.execute("""
            SELECT status, current_step, \(SealedColumn.accepted.select()), procedure_version, waiting_for, current_organisation_code,
                   decision, reason, \(rfc3339SQL("decided_at")) AS decided_at, dues_paid_up_to,
                   \(rfc3339SQL("dues_reported_at")) AS dues_reported_at
            FROM routes WHERE dossier_code = $1 FOR UPDATE
            """, [code]).first else { return nil }
        var statuses: [RouteLifecycle.Step] = []
        let steps = try db.execute("""
            SELECT s.step_number, s.step_code, s.name, s.organisation_code, s.role, s.action, s.working_days,
                   s.needs_dues_status, s.campaign_deadline_field, s.only_after_late_presentation, s.status, s.on_time, \(rfc3339SQL("s.assigned_at")) AS assigned_at,
                   \(rfc3339SQL("s.deadline")) AS deadline, s.content::text AS content,
                   (o.record->'officeHours')::text AS office_hours, o.software_user
            FROM route_steps s LEFT JOIN organisations o ON o.code = s.organisation_code
            WHERE s.dossier_code = $1 ORDER BY s.step_number
            """, [code]).rows.map { row in
            let plan = PlannedStep(
                number: try row.int("step_number"), code: try row.string("step_code"), name: try row.string("name"),
                organisationCode: try row.string("organisation_code"), role: try row.string("role"),
                action: try row.string("action"), workingDays: try row.int("working_days"),
                needsDuesStatus: try row.bool("needs_dues_status"), campaignDeadlineField: try row.optionalString("campaign_deadline_field"),
                onlyAfterLatePresentation: try row.bool("only_after_late_presentation"))
            statuses.append(RouteLifecycle.Step(plan, status: try row.value(StepStatus.self, "status"),
                                                late: try plan.isPresentation && row.optionalBool("on_time") == false))
            return Route.Step(plan: plan, assignedAt: try row.optionalString("assigned_at").flatMap(WireJSON.parseTimestamp),
                              deadline: try row.optionalString("deadline").flatMap(WireJSON.parseTimestamp),
                              content: try row.optionalJSON([String: String].self, "content"),
                              officeHours: try row.optionalString("office_hours").flatMap { try? WireJSON.decode([String].self, from: Array($0.utf8)) },
                              softwareUser: try row.optionalString("software_user"))
        }
        let duesReportedAt = try row.optionalString("dues_reported_at").flatMap(WireJSON.parseTimestamp)
        let lifecycle = RouteLifecycle(dossierCode: code, status: try row.value(RouteStatus.self, "status"),
                                       currentStep: try row.optionalInt("current_step"), duesReported: duesReportedAt != nil,
                                       steps: statuses)
        return Route(code: code, lifecycle: lifecycle, accepted: .stored(try content.openJSON(row: row, in: .accepted, context: SealedColumn.acceptedContext(code))),
                     procedureVersion: try row.optionalInt("procedure_version"), waitingFor: try row.optionalString("waiting_for"),
                     currentOrganisationCode: try row.optionalString("current_organisation_code"),
                     decision: try row.optionalValue(DossierDecidedV1.Decision.self, "decision"),
                     reason: try row.optionalString("reason"),
                     decidedAt: try row.optionalString("decided_at").flatMap(WireJSON.parseTimestamp),
                     duesPaidUpTo: try row.optionalString("dues_paid_up_to"), duesReportedAt: duesReportedAt,
                     steps: steps, stepsStored: true)
    }

    /// Writes back what changed in `route`: its row, its steps (all of them when just planned,
    /// else those changed), and its new history entries. A changed step's decision columns are
    /// written from memory: every event that changes a step sets or clears all of them. The dues
    /// status is only ever added (a route restarted without reading it keeps it).
    func save(_ route: Route, db: PostgresConnection, at now: Date) throws {
        let lifecycle = route.lifecycle
        let steps = route.stepsStored ? route.steps.filter { route.changedSteps.contains($0.number) } : route.steps
        let status = { (step: Route.Step) in lifecycle.step(step.number)?.status.rawValue ?? StepStatus.waiting.rawValue }
        if !route.stepsStored, !steps.isEmpty {
            let plans = steps.map(\.plan)
            try db.executeDeferred("""
                INSERT INTO route_steps (dossier_code, step_number, step_code, name, organisation_code, role, action,
                                         working_days, needs_dues_status, campaign_deadline_field,
                                         status, assigned_at, deadline, decided_at, decision, on_time, only_after_late_presentation)
                SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[],
                                         $9::bool[], $10::text[], $11::text[], $12::timestamptz[], $13::timestamptz[],
                                         $14::timestamptz[], $15::text[], $16::bool[], $17::bool[])
                """, [route.code, PostgresArray(plans.map(\.number)), PostgresArray(plans.map(\.code)), PostgresArray(plans.map(\.name)),
                      PostgresArray(plans.map(\.organisationCode)), PostgresArray(plans.map(\.role)),
                      PostgresArray(plans.map(\.action)), PostgresArray(plans.map(\.workingDays)),
                      PostgresArray(plans.map(\.needsDuesStatus)), PostgresArray(plans.map(\.campaignDeadlineField)),
                      PostgresArray(steps.map(status)), PostgresArray(steps.map { $0.assignedAt?.postgresText }),
                      PostgresArray(steps.map { $0.deadline?.postgresText }), PostgresArray(steps.map { $0.decidedAt?.postgresText }),
                      PostgresArray(steps.map { $0.decision?.rawValue }), PostgresArray(steps.map { $0.onTime?.postgresText }),
                      PostgresArray(plans.map(\.onlyAfterLatePresentation))])
        } else if !steps.isEmpty {
            // An assigned step starts afresh (a resumed step forgets its earlier reminder and
            // escalation); a decided one keeps its assignment.
            try db.executeDeferred("""
                UPDATE route_steps s SET status = t.status,
                    assigned_at = CASE WHEN t.status = '\(StepStatus.assigned.rawValue)' THEN t.assigned_at ELSE s.assigned_at END,
                    deadline = CASE WHEN t.status = '\(StepStatus.assigned.rawValue)' THEN t.deadline ELSE s.deadline END,
                    decided_at = t.decided_at, decision = t.decision, reason = t.reason, decided_by = t.decided_by,
                    content = t.content, on_time = t.on_time,
                    reminded_at = CASE WHEN t.status = '\(StepStatus.assigned.rawValue)' THEN NULL ELSE s.reminded_at END,
                    escalated_at = CASE WHEN t.status = '\(StepStatus.assigned.rawValue)' THEN NULL ELSE s.escalated_at END,
                    escalated_to = CASE WHEN t.status = '\(StepStatus.assigned.rawValue)' THEN NULL ELSE s.escalated_to END
                FROM unnest($2::int[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[], $7::text[],
                            $8::text[], $9::jsonb[], $10::jsonb[], $11::bool[])
                    AS t(step_number, status, assigned_at, deadline, decided_at, decision, reason, decided_by, content, on_time)
                WHERE s.dossier_code = $1 AND s.step_number = t.step_number
                """, [route.code, PostgresArray(steps.map(\.number)), PostgresArray(steps.map(status)),
                      PostgresArray(steps.map { $0.assignedAt?.postgresText }), PostgresArray(steps.map { $0.deadline?.postgresText }),
                      PostgresArray(steps.map { $0.decidedAt?.postgresText }), PostgresArray(steps.map { $0.decision?.rawValue }),
                      PostgresArray(steps.map(\.reason)),
                      PostgresArray(try steps.map { try $0.decidedBy.map { try JSONText($0).text } }),
                      PostgresArray(try steps.map { try $0.content.map { try JSONText($0).text } }),
                      PostgresArray(steps.map { $0.onTime?.postgresText })])
        }
        try db.executeDeferred("""
            UPDATE routes SET status = $2, current_step = $3, current_organisation_code = $4, waiting_for = $5,
                procedure_version = $6, decision = $7, reason = $8, decided_at = $9::timestamptz,
                dues_paid_up_to = CASE WHEN $11::timestamptz IS NULL THEN dues_paid_up_to ELSE $10 END,
                dues_reported_at = COALESCE($11::timestamptz, dues_reported_at),
                accepted = CASE WHEN $12::bool THEN NULL ELSE accepted END,
                accepted_sealed = CASE WHEN $12::bool THEN $13::bytea ELSE accepted_sealed END,
                accepted_key_id = CASE WHEN $12::bool THEN $15 ELSE accepted_key_id END, updated_at = $14::timestamptz
            WHERE dossier_code = $1
            """, [route.code, lifecycle.status.rawValue, lifecycle.currentStep, route.currentOrganisationCode, route.waitingFor,
                  route.procedureVersion, route.decision?.rawValue, route.reason, route.decidedAt,
                  route.duesPaidUpTo, route.duesReportedAt, route.acceptedReplaced,
                  route.acceptedReplaced
                      ? ByteA(try content.seal(try route.accepted.value, context: SealedColumn.acceptedContext(route.code)).bytes) : nil,
                  now, content.cipher.currentKeyId])
        try append(route.newHistory, to: route.code, db: db)
    }

    /// Appends entries to a route's history.
    func append(_ entries: [Route.HistoryEntry], to code: String, db: PostgresConnection) throws {
        guard !entries.isEmpty else { return }
        try db.executeDeferred("""
            INSERT INTO route_history (dossier_code, at, step_number, event, organisation_code, actor, detail)
            SELECT $1, * FROM unnest($2::timestamptz[], $3::int[], $4::text[], $5::text[], $6::jsonb[], $7::text[])
            """, [code, PostgresArray(entries.map(\.at)), PostgresArray(entries.map { $0.stepNumber.map(String.init) }),
                  PostgresArray(entries.map(\.event)), PostgresArray(entries.map(\.organisationCode)),
                  PostgresArray(try entries.map { try $0.actor.map { try JSONText($0).text } }), PostgresArray(entries.map(\.detail))])
    }

    // MARK: Waiting routes and timers

    /// Routes waiting for one of `organisations` to be known, locked, oldest code first.
    func awaiting(organisations: [String], db: PostgresConnection) throws -> [DossierAcceptedV1] {
        try db.execute("""
            SELECT dossier_code, \(SealedColumn.accepted.select()) FROM routes
            WHERE status = $2 AND waiting_for = ANY($1::text[]) ORDER BY dossier_code FOR UPDATE
            """, [PostgresArray(organisations), RouteStatus.awaitingOrganisations.rawValue]).rows
            .map { try content.open(DossierAcceptedV1.self, row: $0, in: .accepted,
                                    context: SealedColumn.acceptedContext(try $0.string("dossier_code"))) }
    }

    /// The reasons of withdrawals asked for before these dossiers reached routing, by code; taken
    /// (deleted) now that their routes start withdrawn.
    func takeWithdrawalsRequested(for codes: [String], db: PostgresConnection) throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try db.execute(
            "DELETE FROM withdrawal_requests WHERE dossier_code = ANY($1::text[]) RETURNING dossier_code, reason", [PostgresArray(codes)])
            .rows.map { (try $0.string("dossier_code"), try $0.string("reason")) })
    }

    /// Whether `organisation` already made this decision on the step (a software retrying it).
    func hasDecision(_ decision: DossierStepDecidedV1, db: PostgresConnection) throws -> Bool {
        try db.execute("""
            SELECT 1 FROM route_steps WHERE dossier_code = $1 AND step_number = $2 AND decision = $3
                AND decided_by->>'organisationCode' = $4
            """, [decision.dossierCode, decision.stepNumber, decision.decision.rawValue, decision.decidedBy.organisationCode]).first != nil
    }

    /// A still-assigned step's code, organisation and deadline, marked reminded; nil when decided since.
    func markReminded(_ code: String, step: Int, at now: Date, db: PostgresConnection) throws -> (stepCode: String, organisation: String, deadline: Date?)? {
        guard let row = try db.execute("""
            UPDATE route_steps SET reminded_at = $3::timestamptz
            WHERE dossier_code = $1 AND step_number = $2 AND status = $4
            RETURNING step_code, organisation_code, \(rfc3339SQL("deadline")) AS deadline
            """, [code, step, now, StepStatus.assigned.rawValue]).first else { return nil }
        return (try row.string("step_code"), try row.string("organisation_code"),
                try row.optionalString("deadline").flatMap(WireJSON.parseTimestamp))
    }

    /// A still-assigned step escalated to its organisation's superior; nil when decided since. The
    /// member's presentation of a letter is not: the lateness is the member's, not the organisation's.
    func markEscalated(_ code: String, step: Int, at now: Date, db: PostgresConnection)
        throws -> (stepCode: String, organisation: String, escalatedTo: String?, deadline: Date?)? {
        guard let row = try db.execute("""
            UPDATE route_steps s SET escalated_at = $3::timestamptz,
                escalated_to = CASE WHEN s.action = $5 THEN NULL
                                    ELSE (SELECT parent_code FROM organisations o WHERE o.code = s.organisation_code) END
            WHERE dossier_code = $1 AND step_number = $2 AND status = $4
            RETURNING step_code, organisation_code, escalated_to, \(rfc3339SQL("deadline")) AS deadline
            """, [code, step, now, StepStatus.assigned.rawValue, PlannedStep.presentLetter]).first else { return nil }
        return (try row.string("step_code"), try row.string("organisation_code"), try row.optionalString("escalated_to"),
                try row.optionalString("deadline").flatMap(WireJSON.parseTimestamp))
    }
}
