import Calendar
import Contracts
import Foundation
import Persistence
import RoutingRules
import ServiceKit

/// Routing's PAKN desk (phản ánh, kiến nghị; Đ.38): classifies each item received by the rules
/// (`FeedbackRules`: its field's level, on the way up from the sender's organisation), hands it to
/// that organisation, and carries out every act on it (officers over HTTP, the sender's follow-ups,
/// the deadlines on durable timers) through `FeedbackLifecycle`, announcing each change as
/// `feedback.updated.v1`.
struct FeedbackDesk: Sendable {
    let rules: FeedbackRules
    let calendars: OfficeCalendars
    let store: FeedbackStore

    /// The lifecycle under the working calendar of the organisation in charge.
    func lifecycle(_ system: FeedbackSystem, organisation: String) -> FeedbackLifecycle {
        let calendar = calendars.calendar(for: organisation)
        return FeedbackLifecycle(limits: rules.limits, system: system) { days, start in try calendar.adding(workingDays: days, to: start) }
    }

    /// `feedback.received.v1`: a duplicate is linked to the first item; anything else is classified
    /// and assigned.
    func receive(_ received: FeedbackReceivedV1, context: HandlerContext) throws {
        if let first = received.duplicateOf { return try store.recordDuplicate(received, of: first, db: context.db) }
        let organisation = try competentOrganisation(topic: received.topic, for: received.sender, db: context.db)
        // Deadlines count from intake's receipt (Đ.38.3), however late routing takes it.
        let transition = try lifecycle(received.system, organisation: organisation).received(organisation: organisation,
                                                                                             at: received.receivedAt)
        try store.insert(received, state: transition.state, db: context.db)
        let item = FeedbackItem(code: received.paknCode, integrator: received.integrator, system: received.system, topic: received.topic,
                                receivedAt: received.receivedAt, state: transition.state, revision: 0, received: received)
        try carryOut(transition, on: item, actor: nil, detail: nil, context: context)
    }

    /// The organisation that handles `topic` for `sender`: the first of the field's level or
    /// above, going up from the sender's organisation (from its parent when the sender is an
    /// organisation: none handles its own petition); the highest known when the replica lacks one
    /// on the way.
    func competentOrganisation(topic: String, for sender: FeedbackSender, db: PostgresConnection) throws -> String {
        let wanted = Self.rank(rules.topic(topic)?.handledBy ?? .grassroots)
        var code = sender.organisationCode
        if sender.kind == .organisation, let parent = try store.organisation(code, db: db)?.parent { code = parent }
        for _ in 0..<10 {
            guard let organisation = try store.organisation(code, db: db) else { return code }
            if Self.rank(organisation.kind) >= wanted { return code }
            guard let parent = organisation.parent else { return code }
            code = parent
        }
        return code
    }

    static func rank(_ kind: OrganisationRecord.Kind) -> Int {
        switch kind {
        case .cell: 0
        case .section: 1
        case .grassroots: 2
        case .superior: 3
        case .organisationBoard: 4
        case .province: 5
        case .central: 6
        }
    }

    /// Carries out one act on an item (locked): the lifecycle's transition saved, its timers
    /// armed and cancelled, the change announced. Throws `FeedbackRefusal` when the state does not
    /// allow it, before anything changes; nil when the item is unknown.
    @discardableResult
    func act(_ act: FeedbackAct, on code: String, actor: String?, detail: String? = nil, byTimer: Bool = false,
             edit: (inout FeedbackItem) -> Void = { _ in }, context: HandlerContext) throws -> FeedbackUpdatedV1? {
        // The timer worker holds its timer's row already; anyone else takes the item's timers first.
        if !byTimer { try store.lockTimers(of: code, db: context.db) }
        guard var item = try store.load(code, db: context.db) else { return nil }
        let transition = try lifecycle(item.system, organisation: item.state.organisation).apply(act, to: item.state, at: context.now)
        guard transition.change != nil else {
            // A deadline that no longer applies: only its timers.
            try schedule(transition, code: code, context: context)
            return nil
        }
        let before = item.state
        item.state = transition.state
        edit(&item)
        return try carryOut(transition, on: item, before: before, actor: actor, detail: detail ?? Self.text(of: act), context: context)
    }

    /// A sender's follow-up the item's state does not allow: answered with the reason, as an update.
    func refuseFollowUp(_ followUp: FeedbackFollowUpReceivedV1, _ refusal: FeedbackRefusal, context: HandlerContext) throws {
        guard var item = try store.load(followUp.paknCode, db: context.db) else { return }
        item.revision += 1
        try store.save(item, change: .followUpRefused, actor: "sender", detail: "\(followUp.action.rawValue): \(refusal.reason)",
                       at: context.now, db: context.db)
        var update = self.update(item, change: .followUpRefused, before: item.state, reason: refusal.reason, at: context.now)
        update.followUp = followUp.action
        update.refusalCode = refusal.code
        try context.emit(.feedbackUpdated, subject: item.code, data: update)
    }

    @discardableResult
    private func carryOut(_ transition: FeedbackTransition, on item: FeedbackItem, before: FeedbackItemState? = nil, actor: String?,
                          detail: String?, context: HandlerContext) throws -> FeedbackUpdatedV1 {
        let change = transition.change!
        var item = item
        item.revision += 1
        try store.save(item, change: change, actor: actor, detail: detail, at: context.now, db: context.db)
        try schedule(transition, code: item.code, context: context)
        var update = self.update(item, change: change, before: before ?? item.state, reason: detail, at: context.now)
        // Late: the superior of the organisation in charge hears too (escalation, as for dossier steps).
        if change == .overdue, let parent = try store.organisation(item.state.organisation, db: context.db)?.parent {
            update.alsoTold = (update.alsoTold ?? []) + [parent]
        }
        try context.emit(.feedbackUpdated, subject: item.code, data: update)
        return update
    }

    private func schedule(_ transition: FeedbackTransition, code: String, context: HandlerContext) throws {
        let cancelled = transition.cancel.subtracting(transition.arm.keys)
        if !cancelled.isEmpty { try Timers.cancel(kinds: cancelled.map(\.rawValue).sorted(), key: code, in: context) }
        for (timer, due) in transition.arm.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            try Timers.schedule(kind: timer.rawValue, key: code, dueAt: due, payload: FeedbackTimerPayload(paknCode: code), in: context)
        }
    }

    /// The update announcing a change: who is told besides the organisation in charge — its
    /// superior when it is late, the organisation that answered when the level above takes an appeal.
    func update(_ item: FeedbackItem, change: FeedbackChange, before: FeedbackItemState, reason: String?, at now: Date) -> FeedbackUpdatedV1 {
        let state = item.state
        var alsoTold: [String] = []
        if change == .appealed, let answered = before.answeredBy { alsoTold.append(answered) }
        if change == .reclassified, before.organisation != state.organisation { alsoTold.append(before.organisation) }
        let received = item.received
        return FeedbackUpdatedV1(
            paknCode: item.code, revision: item.revision, change: change, status: state.status, integrator: item.integrator, sender: received.sender,
            kind: received.kind, system: received.system, topic: item.topic, title: received.title, organisationCode: state.organisation,
            alsoTold: alsoTold.isEmpty ? nil : alsoTold,
            answerDue: [.handling, .appealed].contains(state.status) ? state.answerDue : nil,
            reason: change == .answered ? nil : reason, answer: change == .answered ? item.answer : nil,
            published: change == .answered ? (item.published ?? false) : nil, rating: change == .rated ? item.rating : nil,
            lateUpdate: change == .lateStatusUpdate ? state.lateUpdates : nil, at: now)
    }

    /// The words an act carries (a reason, a question, the clarification, the progress noted).
    static func text(of act: FeedbackAct) -> String? {
        switch act {
        case .refuse(let text), .requestClarification(let text), .clarify(let text), .noteProgress(let text), .withdraw(let text),
             .answer(let text):
            text
        case .extend(let days, let reason): "\(days) ngày: \(reason)"
        case .appeal(let reason, _): reason
        case .rate(let rating): "\(rating)/5"
        default: nil
        }
    }
}

struct FeedbackTimerPayload: Codable, Sendable {
    let paknCode: String
}

/// Each PAKN deadline: the act it stands for, carried out by the desk (a deadline that no longer
/// applies changes nothing).
struct FeedbackTimerHandler: TimerHandler {
    let keyNamesDossier = true
    let desk: FeedbackDesk
    let timer: FeedbackTimer
    var kind: String { timer.rawValue }

    static func all(desk: FeedbackDesk) -> [FeedbackTimerHandler] {
        FeedbackTimer.allCases.map { FeedbackTimerHandler(desk: desk, timer: $0) }
    }

    func fire(_ due: DueTimer, context: HandlerContext) throws {
        let code = try due.decode(FeedbackTimerPayload.self).paknCode
        let act: FeedbackAct = switch timer {
        case .acceptance: .acceptanceWindowPassed
        case .clarification: .clarificationExpired
        case .answerDue: .answerDeadlinePassed
        case .lateUpdate: .lateUpdateDue
        case .progress: .progressDue
        case .appealWindow: .appealWindowPassed
        }
        do {
            try desk.act(act, on: code, actor: "system", byTimer: true, context: context)
        } catch is FeedbackRefusal {
            // Deadlines are never refused; a state that moved on simply has nothing to do.
        }
    }
}
