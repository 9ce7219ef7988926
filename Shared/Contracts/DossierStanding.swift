import Foundation

/// Where a dossier stands for the accounting (đối soát hồ sơ: `tthc-admin reconcile`, intake's
/// `tthc_dossiers_open_dossiers`): finished, or waiting for someone named. Read from its public
/// status, the one intake's timeline keeps from every service's events.
public enum DossierStanding: Equatable, Sendable {
    case finished
    case waiting(DossierWaiter)
}

/// Who an unfinished dossier waits for. A service acts by itself within moments of the message
/// that wakes it; people act in their own time, within deadlines that the overdue alerts watch.
public enum DossierWaiter: String, Codable, Sendable, CaseIterable {
    /// validation's content check, which answers at once unless it waits for documents or the registry.
    case validation
    /// routing, to assign the first step of an accepted dossier.
    case routing
    /// archive, to issue the decided dossier's result (or hold it for want of a signing key).
    case archive
    /// The integrator's uploads a check waits for (an `awaiting-documents` dossier, until the check deadline).
    case documents
    /// The party registry's record of the member (an `awaiting-registry` dossier, until the check deadline).
    case registry
    /// The member: a supplement asked for, or dues to pay.
    case member
    /// The officers or software of an organisation: a step, or a check left overdue.
    case organisation
    /// archive holds the result until the issuing organisation has a signing key (alerted apart).
    case signingKey = "signing-key"

    /// A service that should have acted already once a dossier has waited for it a few minutes.
    public var isService: Bool {
        switch self {
        case .validation, .routing, .archive: true
        case .documents, .registry, .member, .organisation, .signingKey: false
        }
    }

    /// What an operator reads.
    public var label: String {
        switch self {
        case .validation: "validation: the content check"
        case .routing: "routing: the first step"
        case .archive: "archive: the result"
        case .documents: "the integrator's documents (until the check deadline)"
        case .registry: "the party registry's record (until the check deadline)"
        case .member: "the member (supplement or payment)"
        case .organisation: "an organisation's officers or software"
        case .signingKey: "the issuing organisation's signing key"
        }
    }
}

extension PublicDossierStatus {
    /// Finished (a known end) or waiting, and for whom.
    public var standing: DossierStanding {
        switch self {
        case .refused, .withdrawn, .resultIssued, .resultRevoked: .finished
        case .received, .supplementReceived: .waiting(.validation)
        case .accepted: .waiting(.routing)
        case .decided: .waiting(.archive)
        case .supplementRequested, .awaitingPayment: .waiting(.member)
        case .checkOverdue, .inProgress: .waiting(.organisation)
        }
    }

    /// The statuses after which nothing more happens to the dossier (the accounting's end states).
    public static let finishing: [PublicDossierStatus] = allCases.filter { $0.standing == .finished }
}

/// One unfinished dossier in the accounting: its status since when, who it waits for, and whether
/// it is stuck (waiting for a service longer than the allowance).
public struct DossierAccountingEntry: Codable, Sendable, Equatable {
    public let dossierCode: String
    public let status: PublicDossierStatus
    /// When the dossier reached this status.
    public let since: Date
    public let waitsFor: DossierWaiter
    /// Seconds at this status when accounted.
    public let ageSeconds: Int
    public let stuck: Bool
    /// What the other services know of it, when a deeper look was taken (`tthc-admin reconcile`).
    public let evidence: String?

    public init(dossierCode: String, status: PublicDossierStatus, since: Date, waitsFor: DossierWaiter, now: Date,
                stuckAfter: TimeInterval, evidence: String? = nil) {
        self.dossierCode = dossierCode
        self.status = status
        self.since = since
        self.waitsFor = waitsFor
        ageSeconds = max(0, Int(now.timeIntervalSince(since)))
        stuck = waitsFor.isService && now.timeIntervalSince(since) > stuckAfter
        self.evidence = evidence
    }
}

/// What the next service's own tables say of a dossier that waits for it (`tthc-admin reconcile`
/// reads them in the same snapshot as intake's): nil when it has no record of the dossier.
public struct DossierElsewhere: Sendable, Equatable {
    /// `validation.dossiers.status` (`DossierCheckStatus`).
    public var checkStatus: String?
    /// `routing.routes.status`.
    public var routeStatus: String?
    /// `archive.results.status` (`issued`, `held`, `revoked`).
    public var resultStatus: String?
    /// The services whose table the accounting's role could not read: nothing is known there.
    public var unreadable: Set<DossierWaiter> = []

    public init(checkStatus: String? = nil, routeStatus: String? = nil, resultStatus: String? = nil) {
        self.checkStatus = checkStatus
        self.routeStatus = routeStatus
        self.resultStatus = resultStatus
    }

    /// Who the dossier really waits for, and why the accounting says so: a check that waits for
    /// documents or the registry, or a result held for a key, is known pending, not stuck; a next
    /// service with no record, or one that answered without intake hearing it, is named.
    public func refine(_ status: PublicDossierStatus, waiter: DossierWaiter) -> (waiter: DossierWaiter, evidence: String?) {
        if unreadable.contains(waiter) { return (waiter, "\(waiter.rawValue)'s tables cannot be read by this role: not verified") }
        switch waiter {
        case .validation:
            switch checkStatus {
            case nil: return (.validation, "validation has no record of it: dossier.received.v1 not delivered or not handled")
            case "awaiting-documents": return (.documents, "validation waits for documents until the check deadline")
            case "awaiting-registry": return (.registry, "validation waits for the registry's record until the check deadline")
            case "supplement-requested" where status == .supplementReceived:
                return (.validation, "validation has not checked the supplement: dossier.supplement-received.v1 not handled")
            case let answered?: return (.validation, "validation answered \(answered); intake has not heard it")
            }
        case .routing:
            guard let routeStatus else { return (.routing, "routing has no route: dossier.accepted.v1 not delivered or not handled") }
            return (.routing, "routing holds the route (\(routeStatus)); intake has not heard its first step")
        case .archive:
            switch resultStatus {
            case nil: return (.archive, "archive has no result: dossier.decided.v1 not delivered or not handled")
            case "held": return (.signingKey, "archive holds the result until the organisation has a signing key")
            case let result?: return (.archive, "archive's result is \(result); intake has not heard it")
            }
        case .documents, .registry, .member, .organisation, .signingKey:
            return (waiter, nil)
        }
    }
}
