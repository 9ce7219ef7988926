import Contracts
import Foundation

/// A route's status (trạng thái liên thông), as stored in `routing.routes.status`.
public enum RouteStatus: String, Sendable, Codable {
    /// Inserted by the accepting transaction, not planned yet (never seen outside it).
    case planning
    /// The registry replica lacks an organisation the plan needs (`waiting_for`).
    case awaitingOrganisations = "awaiting-organisations"
    /// A step is assigned to an organisation.
    case inProgress = "in-progress"
    /// The next step issues the introduction letter, which records payment's dues status.
    case awaitingDuesStatus = "awaiting-dues-status"
    /// At a `pay` step: waiting for payment to confirm the member paid (online or in cash).
    case awaitingPayment = "awaiting-payment"
    /// Back with the submitter for a supplement (bổ sung); resumes at the returning step.
    case returned
    /// Approved or refused: the route is over.
    case decided
    /// Withdrawn by the submitter before a decision: the route is over.
    case withdrawn
}

/// A step's status, as stored in `routing.route_steps.status`.
public enum StepStatus: String, Sendable, Codable {
    case waiting, assigned, approved, returned, refused
    /// Done by the submission itself (the requesting organisation's request).
    case automatic
    /// Not needed on this route: the decision on a late presentation when the letter came in time.
    case skipped
    /// Assigned when the submitter withdrew the dossier: never decided.
    case cancelled
}

/// What happened to a route, in order; routing carries each out (deadlines, timers, history,
/// messages) and stores the lifecycle's new state in the same transaction.
public enum RouteEvent: Equatable, Sendable {
    case awaitingOrganisation(String)
    case sentWithRequest(step: Int)
    case awaitingDuesStatus(step: Int)
    /// A `pay` step reached: payment is asked for the amount and waits for the member.
    case awaitingPayment(step: Int)
    /// Payment confirmed the `pay` step's payment.
    case paid(step: Int)
    case assigned(step: Int)
    case decided(step: Int, StepStatus)
    case returnedForSupplement(step: Int)
    case resumed(step: Int)
    /// The decision on a late presentation is not needed: the letter was presented in time.
    case skipped(step: Int)
    /// Every step approved: the dossier is approved.
    case completed
    /// An organisation refused at `step`: the dossier is refused.
    case refused(step: Int)
    /// Closed outside the route (by validation): nothing more to do.
    case closedOutside
    /// The step assigned when the dossier was withdrawn is never decided.
    case cancelled(step: Int)
    /// Withdrawn by the submitter: the dossier is closed and `dossier.withdrawn.v1` announced.
    case withdrawn
}

/// The route lifecycle (luồng liên thông, Đ.22) as a pure state machine: which step is current,
/// what a decision does, when the route waits and when it is over. No clock, no database: the
/// caller gives the facts and gets the events to carry out.
public struct RouteLifecycle: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public let number: Int
        public let organisationCode: String
        public let isAutomatic: Bool
        public let needsDuesStatus: Bool
        /// The member pays (`pay`): done when payment confirms, never decided by an organisation.
        public let isPayment: Bool
        /// The member presenting the introduction letter (recorded by the receiving organisation).
        public let isPresentation: Bool
        /// Taken only after a late presentation (`presented-late`).
        public let onlyAfterLatePresentation: Bool
        public internal(set) var status: StepStatus
        /// A presentation step decided after its deadline.
        public internal(set) var late: Bool

        public init(number: Int, organisationCode: String, isAutomatic: Bool, needsDuesStatus: Bool, isPayment: Bool = false,
                    isPresentation: Bool = false, onlyAfterLatePresentation: Bool = false, status: StepStatus, late: Bool = false) {
            self.isPayment = isPayment
            self.number = number
            self.organisationCode = organisationCode
            self.isAutomatic = isAutomatic
            self.needsDuesStatus = needsDuesStatus
            self.isPresentation = isPresentation
            self.onlyAfterLatePresentation = onlyAfterLatePresentation
            self.status = status
            self.late = late
        }

        public init(_ planned: PlannedStep, status: StepStatus = .waiting, late: Bool = false) {
            self.init(number: planned.number, organisationCode: planned.organisationCode, isAutomatic: planned.isAutomatic,
                      needsDuesStatus: planned.needsDuesStatus, isPayment: planned.isPayment, isPresentation: planned.isPresentation,
                      onlyAfterLatePresentation: planned.onlyAfterLatePresentation, status: status, late: late)
        }
    }

    public let dossierCode: String
    public private(set) var status: RouteStatus
    public private(set) var currentStep: Int?
    public private(set) var duesReported: Bool
    public private(set) var steps: [Step]

    public init(dossierCode: String, status: RouteStatus, currentStep: Int?, duesReported: Bool, steps: [Step]) {
        self.dossierCode = dossierCode
        self.status = status
        self.currentStep = currentStep
        self.duesReported = duesReported
        self.steps = steps
    }

    public func step(_ number: Int) -> Step? { steps.first { $0.number == number } }

    /// A new route that cannot be planned yet: it waits for the registry to know `organisation`.
    public mutating func awaitOrganisation(_ organisation: String) -> [RouteEvent] {
        status = .awaitingOrganisations
        return [.awaitingOrganisation(organisation)]
    }

    /// A new route planned with `planned`: automatic steps are done, the first other step assigned.
    public mutating func start(_ planned: [PlannedStep]) -> [RouteEvent] {
        steps = planned.map { Step($0) }
        status = .inProgress
        return advance(after: 0)
    }

    /// Payment's dues status arrived; a route held for it gets its letter step assigned.
    public mutating func duesStatusReported() -> [RouteEvent] {
        duesReported = true
        guard status == .awaitingDuesStatus, let number = currentStep, step(number) != nil else { return [] }
        return assign(number)
    }

    /// Payment confirmed the member paid: the `pay` step is done and the route goes on.
    public mutating func paymentCompleted() -> [RouteEvent] {
        guard status == .awaitingPayment, let number = currentStep, let index = steps.firstIndex(where: { $0.number == number }),
              steps[index].isPayment else { return [] }
        steps[index].status = .approved
        status = .inProgress
        return [.paid(step: number)] + advance(after: number)
    }

    /// An organisation's decision on step `number`. Refused before anything changes when it cannot apply.
    /// `pastDeadline`: decided after the step's deadline (for a presentation step, the letter was
    /// presented late, which the letter-issuing committee then decides on).
    public mutating func decide(step number: Int, _ decision: DossierStepDecidedV1.Decision, by organisation: String,
                                reason: String?, pastDeadline: Bool = false) throws(DecisionRefusal) -> [RouteEvent] {
        guard status == .inProgress, currentStep == number, let index = steps.firstIndex(where: { $0.number == number }),
              steps[index].status == .assigned else {
            throw .stepNotCurrent(dossierCode, number)
        }
        guard steps[index].organisationCode == organisation else { throw .wrongOrganisation(steps[index].organisationCode) }
        let approving = decision == .approve || decision == .forward
        if !approving, (reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw .reasonRequired }
        // The member's window to present the letter is not reset by a return: it is recorded
        // (approve, late or not) or the file is refused.
        if steps[index].isPresentation, decision == .returnForSupplement { throw .presentationNotReturnable }
        // The letter records the dues status from payment; it cannot be issued before payment answers.
        if approving, steps[index].needsDuesStatus, !duesReported { throw .duesStatusPending }
        let stepStatus: StepStatus = switch decision {
        case .approve, .forward: .approved
        case .returnForSupplement: .returned
        case .refuse: .refused
        }
        steps[index].status = stepStatus
        steps[index].late = steps[index].isPresentation && pastDeadline
        var events: [RouteEvent] = [.decided(step: number, stepStatus)]
        switch stepStatus {
        case .returned:
            status = .returned
            events.append(.returnedForSupplement(step: number))
        case .refused:
            status = .decided
            events.append(.refused(step: number))
        default:
            events += advance(after: number)
        }
        return events
    }

    /// The dossier was closed outside the route (validation closed it when the supplement an
    /// organisation asked for did not come): a returned route is over; any other changes nothing.
    public mutating func closeOutside() -> [RouteEvent] {
        guard status == .returned else { return [] }
        status = .decided
        return [.closedOutside]
    }

    /// The submitter withdraws the dossier (rút hồ sơ): any route not yet over ends; a decided or
    /// withdrawn one changes nothing.
    public mutating func withdraw() -> [RouteEvent] {
        switch status {
        case .decided, .withdrawn: return []
        case .planning, .awaitingOrganisations, .inProgress, .awaitingDuesStatus, .awaitingPayment, .returned:
            status = .withdrawn
            guard let index = steps.firstIndex(where: { $0.number == currentStep && $0.status == .assigned }) else {
                return [.withdrawn]
            }
            steps[index].status = .cancelled
            return [.cancelled(step: steps[index].number), .withdrawn]
        }
    }

    /// The amended dossier was accepted again: the step that returned it is assigned again.
    public mutating func resume() -> [RouteEvent] {
        guard status == .returned, let number = currentStep, step(number) != nil else { return [] }
        return [.resumed(step: number)] + assign(number)
    }

    /// Completes automatic steps after `number` and assigns the next one, or completes the route.
    mutating func advance(after number: Int) -> [RouteEvent] {
        var events: [RouteEvent] = []
        for index in steps.indices where steps[index].number > number {
            let step = steps[index]
            if step.onlyAfterLatePresentation,
               !steps.contains(where: { $0.number < step.number && $0.isPresentation && $0.late }) {
                steps[index].status = .skipped
                events.append(.skipped(step: step.number))
                continue
            }
            if step.isAutomatic {
                steps[index].status = .automatic
                events.append(.sentWithRequest(step: step.number))
                continue
            }
            if step.isPayment {
                // No organisation acts and no deadline runs: the member pays when they pay.
                status = .awaitingPayment
                currentStep = step.number
                return events + [.awaitingPayment(step: step.number)]
            }
            if step.needsDuesStatus && !duesReported {
                // Assigned when the status arrives, so no organisation is asked to act before it can.
                status = .awaitingDuesStatus
                currentStep = step.number
                return events + [.awaitingDuesStatus(step: step.number)]
            }
            return events + assign(step.number)
        }
        status = .decided
        return events + [.completed]
    }

    mutating func assign(_ number: Int) -> [RouteEvent] {
        guard let index = steps.firstIndex(where: { $0.number == number }) else { return [] }
        steps[index].status = .assigned
        status = .inProgress
        currentStep = number
        return [.assigned(step: number)]
    }
}

/// Why a decision cannot apply; the HTTP edge answers with `httpStatus`, the AMQP path dead-letters
/// with `code`.
public enum DecisionRefusal: Error, Equatable, CustomStringConvertible {
    case unknownDossier(String)
    case stepNotCurrent(String, Int)
    case wrongOrganisation(String)
    case reasonRequired
    case duesStatusPending
    case presentationNotReturnable

    public var code: String {
        switch self {
        case .unknownDossier: "unknown-dossier"
        case .stepNotCurrent: "step-not-current"
        case .wrongOrganisation: "wrong-organisation"
        case .reasonRequired: "reason-required"
        case .duesStatusPending: "dues-status-pending"
        case .presentationNotReturnable: "presentation-not-returnable"
        }
    }

    public var httpStatus: Int {
        switch self {
        case .unknownDossier: 404
        case .stepNotCurrent, .duesStatusPending: 409
        case .wrongOrganisation: 403
        case .reasonRequired, .presentationNotReturnable: 422
        }
    }

    /// Vietnamese, for the officer.
    public var description: String {
        switch self {
        case let .unknownDossier(code): "Không tìm thấy hồ sơ \(code) trong luồng liên thông."
        case let .stepNotCurrent(code, step): "Bước \(step) của hồ sơ \(code) không phải bước đang chờ xử lý (đã được quyết định hoặc chưa đến lượt)."
        case let .wrongOrganisation(organisation): "Bước này do tổ chức \(organisation) xử lý; quý vị không có quyền quyết định."
        case .reasonRequired: "Trả lại hoặc từ chối phải nêu rõ lý do."
        case .duesStatusPending: "Chưa nhận được tình trạng đóng đảng phí từ hệ thống thu đảng phí; chưa thể cấp giấy giới thiệu."
        case .presentationNotReturnable: "Việc xuất trình giấy giới thiệu không thể trả lại để bổ sung: hãy ghi nhận đảng viên đã xuất trình hoặc từ chối, nêu rõ lý do."
        }
    }
}
