import Contracts
import Foundation

/// A PAKN item (phản ánh, kiến nghị) as routing holds it, between transitions.
public struct FeedbackItemState: Equatable, Sendable {
    public var status: FeedbackStatus
    /// The organisation in charge (the competent one, or the level above after an appeal).
    public var organisation: String
    /// When the clock of the answer started: receipt, or the clarification (Đ.38.3: from the day
    /// complete information is received).
    public var completeAt: Date
    public var answerDue: Date?
    public var extended = false
    public var late = false
    public var lateUpdates = 0
    public var answeredBy: String?
    public var appealBy: Date?
    public var appealed = false
    /// Clarification may be asked once (each request would restart the acceptance window).
    public var clarificationRequested = false
    /// Rated since the last answer.
    public var rated = false

    public init(status: FeedbackStatus, organisation: String, completeAt: Date) {
        self.status = status
        self.organisation = organisation
        self.completeAt = completeAt
    }
}

/// What someone does to an item: an officer (HTTP), the sender (a follow-up) or a deadline (timer).
public enum FeedbackAct: Equatable, Sendable {
    case accept
    /// The acceptance window passed with no decision: accepted for handling.
    case acceptanceWindowPassed
    case refuse(reason: String)
    case requestClarification(question: String)
    case clarify(text: String)
    case clarificationExpired
    case extend(days: Int, reason: String)
    case noteProgress(text: String)
    case reclassify(organisation: String)
    case answer(text: String)
    case withdraw(reason: String)
    case rate(Int)
    /// `to`: the level above the organisation that answered (nil: there is none).
    case appeal(reason: String, to: String?)
    case answerDeadlinePassed
    case lateUpdateDue
    case progressDue
    case appealWindowPassed
}

/// An act the item's state does not allow: `code` (a problem code) and the Vietnamese reason.
public struct FeedbackRefusal: Error, Equatable, Sendable {
    public let code: String
    public let reason: String

    public init(code: String, reason: String) {
        self.code = code
        self.reason = reason
    }
}

/// A durable timer of one item: what fires, when.
public enum FeedbackTimer: String, CaseIterable, Sendable {
    case acceptance = "feedback-acceptance"
    case clarification = "feedback-clarification"
    case answerDue = "feedback-answer-due"
    case lateUpdate = "feedback-late-update"
    case progress = "feedback-progress"
    case appealWindow = "feedback-appeal-window"
}

/// The outcome of an act: the new state, the change announced (nil: a deadline that changes nothing
/// any more), the timers to arm and to cancel.
public struct FeedbackTransition: Equatable, Sendable {
    public var state: FeedbackItemState
    public var change: FeedbackChange?
    public var arm: [FeedbackTimer: Date] = [:]
    public var cancel: Set<FeedbackTimer> = []
}

/// The PAKN item as a pure state machine (Đ.38; Quy chế 03 Đ.11, 13, 14): no clock but `now`, no
/// database; working days come from `addWorkingDays`.
///
/// received ─accept / 5 wd pass─▶ handling ─answer─▶ answered ─15 wd pass─▶ closed
///    │  └refuse─▶ refused         │  └extend (once), deadline → overdue, late updates ×3
///    └ask─▶ awaiting-clarification ─clarify─▶ received; ─10 wd─▶ paused ─clarify─▶ received
/// received / awaiting-clarification / paused ─withdraw─▶ withdrawn
/// answered ─appeal (once, within 15 wd)─▶ appealed (the level above) ─answer─▶ closed
public struct FeedbackLifecycle: Sendable {
    public let limits: FeedbackRules.Limits
    public let system: FeedbackSystem
    public let addWorkingDays: @Sendable (Int, Date) throws -> Date

    public init(limits: FeedbackRules.Limits, system: FeedbackSystem, addWorkingDays: @escaping @Sendable (Int, Date) throws -> Date) {
        self.limits = limits
        self.system = system
        self.addWorkingDays = addWorkingDays
    }

    /// The state of a new item and its first timers.
    public func received(organisation: String, at now: Date) throws -> FeedbackTransition {
        let state = FeedbackItemState(status: .received, organisation: organisation, completeAt: now)
        return FeedbackTransition(state: state, change: .assigned,
                                  arm: [.acceptance: try addWorkingDays(limits.acceptanceWorkingDays, now), .progress: progressDue(now)])
    }

    func progressDue(_ now: Date) -> Date { now.addingTimeInterval(Double(limits.progressEveryDays) * 86_400) }

    static let open: Set<FeedbackStatus> = [.received, .awaitingClarification, .paused]
    static let handled: Set<FeedbackStatus> = [.handling, .appealed]
    /// Where the organisation owes progress (not while it waits for the sender's clarification).
    static let owingProgress: Set<FeedbackStatus> = [.received, .handling, .appealed]

    public func apply(_ act: FeedbackAct, to item: FeedbackItemState, at now: Date) throws -> FeedbackTransition {
        var next = FeedbackTransition(state: item, change: nil)
        var state = item
        func refuse(_ code: String, _ reason: String) -> FeedbackRefusal { FeedbackRefusal(code: code, reason: reason) }
        let final = refuse("feedback-closed", "Phản ánh, kiến nghị đã kết thúc (\(item.status.label.lowercased())).")
        let pastAcceptance = refuse("refusal-window-passed",
                                    "Chỉ từ chối hoặc đề nghị làm rõ trước khi thụ lý (trong \(limits.acceptanceWorkingDays) ngày làm việc).")
        switch act {
        case .accept, .acceptanceWindowPassed:
            guard item.status == .received else {
                if act == .acceptanceWindowPassed { return next }
                throw item.status.isFinal ? final : refuse("not-awaiting-acceptance", "Phản ánh, kiến nghị không ở bước chờ thụ lý.")
            }
            state.status = .handling
            state.answerDue = try addWorkingDays(limits.answerWorkingDays(for: system), item.completeAt)
            next.change = .accepted
            next.arm[.answerDue] = state.answerDue
            next.cancel = [.acceptance]
        case .refuse:
            guard Self.open.contains(item.status) else { throw item.status.isFinal ? final : pastAcceptance }
            state.status = .refused
            next.change = .refused
            next.cancel = Set(FeedbackTimer.allCases)
        case .requestClarification:
            guard item.status == .received, !item.clarificationRequested else {
                if item.status.isFinal { throw final }
                throw Self.handled.contains(item.status) || item.status == .answered ? pastAcceptance
                    : refuse("clarification-already-requested", "Chỉ đề nghị làm rõ một lần.")
            }
            state.status = .awaitingClarification
            state.clarificationRequested = true
            next.change = .clarificationRequested
            next.arm[.clarification] = try addWorkingDays(limits.clarificationReplyWorkingDays, now)
            next.cancel = [.acceptance]
        case .clarify:
            guard [.awaitingClarification, .paused].contains(item.status) else {
                throw refuse("no-clarification-requested", "Không có đề nghị làm rõ nào đang chờ trả lời.")
            }
            // Complete information now: the organisation decides again, the answer's clock starts here.
            state.status = .received
            state.completeAt = now
            next.change = .clarified
            next.arm[.acceptance] = try addWorkingDays(limits.acceptanceWorkingDays, now)
            next.cancel = [.clarification]
        case .clarificationExpired:
            guard item.status == .awaitingClarification else { return next }
            state.status = .paused
            next.change = .paused
        case .extend(let days, _):
            guard Self.handled.contains(item.status) else { throw refuse("not-in-handling", "Chỉ gia hạn khi đang xử lý.") }
            guard !item.extended else { throw refuse("already-extended", "Chỉ được gia hạn một lần.") }
            guard !item.late, now < (item.answerDue ?? .distantFuture) else {
                throw refuse("deadline-passed", "Đã quá hạn trả lời; chỉ gia hạn trước khi hết hạn.")
            }
            guard (1...limits.extensionMaxDays).contains(days) else {
                throw refuse("extension-too-long", "Gia hạn không quá \(limits.extensionMaxDays) ngày.")
            }
            state.extended = true
            state.answerDue = (item.answerDue ?? now).addingTimeInterval(Double(days) * 86_400)
            next.change = .extended
            next.arm[.answerDue] = state.answerDue
            next.cancel = [.lateUpdate]
        case .noteProgress:
            guard !item.status.isFinal else { throw final }
            next.change = .progressNoted
        case .reclassify(let organisation):
            guard [.received, .awaitingClarification, .paused, .handling].contains(item.status) else {
                throw item.status.isFinal ? final : refuse("not-reclassifiable", "Không chuyển lĩnh vực sau khi đã trả lời.")
            }
            state.organisation = organisation
            next.change = .reclassified
        case .answer:
            guard item.status == .received || Self.handled.contains(item.status) else {
                throw item.status.isFinal ? final : refuse("not-in-handling", "Phản ánh, kiến nghị không ở bước xử lý.")
            }
            state.answeredBy = item.organisation
            state.rated = false
            if item.status == .appealed {
                state.status = .closed
                next.cancel = Set(FeedbackTimer.allCases)
            } else {
                state.status = .answered
                state.appealBy = try addWorkingDays(limits.appealWorkingDays, now)
                next.arm[.appealWindow] = state.appealBy
                next.cancel = Set(FeedbackTimer.allCases).subtracting([.appealWindow])
            }
            next.change = .answered
        case .withdraw:
            guard Self.open.contains(item.status) else {
                throw item.status.isFinal ? final
                    : refuse("withdrawal-after-acceptance", "Phản ánh, kiến nghị đã được thụ lý nên không thể rút (Quy chế 03, Điều 11).")
            }
            state.status = .withdrawn
            next.change = .withdrawn
            next.cancel = Set(FeedbackTimer.allCases)
        case .rate:
            guard item.answeredBy != nil, [.answered, .closed].contains(item.status) else {
                throw refuse("not-answered-yet", "Chỉ đánh giá sau khi có câu trả lời.")
            }
            guard !item.rated else { throw refuse("already-rated", "Câu trả lời này đã được đánh giá.") }
            state.rated = true
            next.change = .rated
        case .appeal(_, let above):
            guard !item.appealed else { throw refuse("appeal-already-made", "Chỉ được đề nghị xem xét lại một lần.") }
            guard item.answeredBy != nil, [.answered, .closed].contains(item.status) else {
                throw refuse("not-answered-yet", "Chỉ đề nghị xem xét lại sau khi có câu trả lời.")
            }
            guard item.status == .answered, let by = item.appealBy, now <= by else {
                throw refuse("appeal-window-passed", "Đã quá \(limits.appealWorkingDays) ngày làm việc kể từ khi có câu trả lời.")
            }
            guard let above else {
                throw refuse("no-level-above", "Tổ chức đã trả lời không có cấp trên để xem xét lại.")
            }
            state.status = .appealed
            state.appealed = true
            state.organisation = above
            state.late = false
            state.lateUpdates = 0
            state.answerDue = try addWorkingDays(limits.answerWorkingDays(for: system), now)
            next.change = .appealed
            next.arm[.answerDue] = state.answerDue
            next.cancel = [.appealWindow]
        case .answerDeadlinePassed:
            guard Self.handled.contains(item.status), let due = item.answerDue, now >= due, !item.late else { return next }
            state.late = true
            next.change = .overdue
            next.arm[.lateUpdate] = try addWorkingDays(limits.lateUpdateEveryWorkingDays, now)
        case .lateUpdateDue:
            guard Self.handled.contains(item.status), item.late, item.lateUpdates < limits.lateUpdatesMax else { return next }
            state.lateUpdates += 1
            next.change = .lateStatusUpdate
            if state.lateUpdates < limits.lateUpdatesMax {
                next.arm[.lateUpdate] = try addWorkingDays(limits.lateUpdateEveryWorkingDays, now)
            }
        case .progressDue:
            guard Self.owingProgress.contains(item.status) else { return next }
            next.change = .progressDue
        case .appealWindowPassed:
            guard item.status == .answered, let by = item.appealBy, now >= by else { return next }
            state.status = .closed
            next.change = .closed
        }
        next.state = state
        // Status kept current (Đ.38.4): every change restarts the 3-day reminder while handling goes on.
        if next.change != nil {
            if Self.owingProgress.contains(state.status) {
                next.arm[.progress] = progressDue(now)
            } else {
                next.cancel.insert(.progress)
            }
        }
        return next
    }
}
