import Contracts
import Foundation
import RoutingRules

/// A route as routing holds it in one transaction: its row locked (or just inserted), the pure
/// lifecycle that decides what happens, and the facts the lifecycle does not need (deadlines,
/// decisions, history). `RouteStore.save` writes back the route row, the steps that changed and the
/// new history entries in three statements, whatever happened in between.
struct Route {
    let code: String
    var lifecycle: RouteLifecycle
    var accepted: AcceptedDossier
    /// Set when a resumed dossier replaced the stored one.
    var acceptedReplaced = false
    var procedureVersion: Int?
    var waitingFor: String?
    var currentOrganisationCode: String?
    var decision: DossierDecidedV1.Decision?
    var reason: String?
    var decidedAt: Date?
    var duesPaidUpTo: String?
    var duesReportedAt: Date?
    var steps: [Step]
    /// False until the steps are in `route_steps` (a route planned in this transaction).
    var stepsStored: Bool
    var changedSteps: Set<Int> = []
    var newHistory: [HistoryEntry] = []

    /// A route about to be planned: just accepted, or waiting for an organisation until now.
    static func unplanned(_ accepted: DossierAcceptedV1) -> Route {
        Route(code: accepted.dossierCode,
              lifecycle: RouteLifecycle(dossierCode: accepted.dossierCode, status: .planning, currentStep: nil, duesReported: false, steps: []),
              accepted: .decoded(accepted), steps: [], stepsStored: false)
    }

    func step(_ number: Int) -> Step? { steps.first { $0.number == number } }

    mutating func update(step number: Int, _ change: (inout Step) -> Void) {
        guard let index = steps.firstIndex(where: { $0.number == number }) else { return }
        change(&steps[index])
        changedSteps.insert(number)
    }

    mutating func record(_ event: String, step: Int?, organisation: String?, actor: Actor? = nil, detail: String?, at: Date) {
        newHistory.append(HistoryEntry(at: at, stepNumber: step, event: event, organisationCode: organisation,
                                       actor: actor, detail: detail))
    }

    /// The accepted dossier as stored; decoded only when a step needs it (most decisions do not,
    /// and decoding the whole dossier per decision was a visible share of routing's CPU).
    enum AcceptedDossier {
        /// Its wire JSON, opened from the sealed column.
        case stored([UInt8])
        case decoded(DossierAcceptedV1)

        var value: DossierAcceptedV1 {
            get throws {
                switch self {
                case let .stored(json): try WireJSON.decode(DossierAcceptedV1.self, from: json)
                case let .decoded(value): value
                }
            }
        }
    }
}

extension Route {
    /// One step: its plan, and its assignment and decision as far as this transaction knows them.
    /// Its status is the lifecycle's.
    struct Step {
        let plan: PlannedStep
        var assignedAt: Date?
        var deadline: Date?
        var decidedAt: Date?
        var decision: DossierStepDecidedV1.Decision?
        var reason: String?
        var decidedBy: Actor?
        var content: [String: String]?
        var onTime: Bool?
        /// The organisation's office hours as its record states them now (nil: not stated).
        var officeHours: [String]?
        /// The RabbitMQ user of the organisation's own software, which gets its steps (nil: none).
        var softwareUser: String?

        var number: Int { plan.number }
        var organisationCode: String { plan.organisationCode }
        var name: String { plan.name }
    }

    /// An entry of the route's own history (`route_history`), shown to the organisations on it.
    struct HistoryEntry {
        let at: Date
        let stepNumber: Int?
        let event: String
        let organisationCode: String?
        let actor: Actor?
        let detail: String?
    }
}
