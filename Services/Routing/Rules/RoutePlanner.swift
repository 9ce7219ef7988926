import Contracts
import Foundation

/// The organisations a route needs, by code (a replica of the organisation registry).
public struct OrganisationTree: Sendable {
    public var organisations: [String: OrganisationRecord]

    public init(_ records: [OrganisationRecord]) {
        organisations = Dictionary(records.map { ($0.code, $0) }, uniquingKeysWith: { $1 })
    }

    public subscript(code: String) -> OrganisationRecord? { organisations[code] }

    /// The organisation and its ancestors up to the Centre; throws when one is not known yet.
    public func chain(from code: String) throws -> [OrganisationRecord] {
        var chain: [OrganisationRecord] = []
        var next: String? = code
        while let current = next {
            guard let record = organisations[current] else { throw RoutePlanError.unknownOrganisation(current) }
            guard !chain.contains(where: { $0.code == current }) else { throw RoutePlanError.cycle(current) }
            chain.append(record)
            next = record.parentCode
        }
        return chain
    }
}

public enum RoutePlanError: Error, Equatable, CustomStringConvertible {
    /// The organisation registry replica does not know this organisation (yet).
    case unknownOrganisation(String)
    /// The dossier does not name an organisation the plan needs (e.g. the destination cell).
    case missingField(String)
    case cycle(String)
    /// A step needs the introduction letter, but no step of this route issues one.
    case missingLetter(String)

    public var description: String {
        switch self {
        case let .unknownOrganisation(code): "organisation \(code) is not in the organisation registry"
        case let .missingField(field): "the form has no \(field), which the route plan needs"
        case let .cycle(code): "the organisation tree has a cycle at \(code)"
        case let .missingLetter(step): "step \(step) needs an introduction letter, but no step of this route issues one"
        }
    }
}

/// One step of a concrete route: which organisation does what, by when.
public struct PlannedStep: Codable, Sendable, Equatable {
    public var number: Int
    public var code: String
    public var name: String
    public var organisationCode: String
    public var role: String
    public var action: String
    public var workingDays: Int
    public var needsDuesStatus: Bool
    public var campaignDeadlineField: String?
    /// Taken only when the introduction letter was presented after its window (`presented-late`);
    /// skipped otherwise.
    public var onlyAfterLatePresentation: Bool

    public init(number: Int, code: String, name: String, organisationCode: String, role: String, action: String,
                workingDays: Int, needsDuesStatus: Bool, campaignDeadlineField: String?, onlyAfterLatePresentation: Bool = false) {
        self.onlyAfterLatePresentation = onlyAfterLatePresentation
        self.number = number
        self.code = code
        self.name = name
        self.organisationCode = organisationCode
        self.role = role
        self.action = action
        self.workingDays = workingDays
        self.needsDuesStatus = needsDuesStatus
        self.campaignDeadlineField = campaignDeadlineField
    }

    /// Done by the submission itself (the requesting organisation's request).
    public var isAutomatic: Bool { action == "request" }
    /// The member's time to present the introduction letter, recorded by the receiving organisation.
    public var isPresentation: Bool { action == Self.presentLetter }
    /// The member pays (party dues, fees): payment confirms it, no organisation decides it.
    public var isPayment: Bool { action == "pay" }
    /// Issues the introduction letter (giấy giới thiệu).
    public var issuesLetter: Bool { action == "issue-letter" }

    public static let presentLetter = "present-letter"

    /// The organisations' own time (the published processing time limit counts it): the member's
    /// presentation window and the decision on a late presentation are the member's time.
    public var countsTowardsLimit: Bool { !isPresentation && !onlyAfterLatePresentation && !isAutomatic && !isPayment }
}

/// Where a dossier starts and where it goes, read from its accepted form.
public struct RouteEnds: Sendable, Equatable {
    /// The member's cell (chi bộ).
    public var memberCell: String
    /// The destination cell of a transfer.
    public var destinationCell: String?
    /// The residence cell asked for comments (procedure 4).
    public var residenceCell: String?
    /// The workplace grassroots committee that asks (procedure 4).
    public var requestingOrganisation: String?

    public init(memberCell: String, destinationCell: String? = nil, residenceCell: String? = nil,
                requestingOrganisation: String? = nil) {
        self.memberCell = memberCell
        self.destinationCell = destinationCell
        self.residenceCell = residenceCell
        self.requestingOrganisation = requestingOrganisation
    }

    /// From the form fields of the four procedures.
    public init(form: [String: String], memberOrganisation: String?) throws {
        guard let cell = memberOrganisation ?? form["chiBoHienTai"] else { throw RoutePlanError.missingField("chiBoHienTai") }
        self.init(memberCell: cell, destinationCell: form["chiBoNoiDen"], residenceCell: form["chiBoNoiCuTru"],
                  requestingOrganisation: form["toChucDeNghi"])
    }

    /// Every organisation code the route may need, to load their chains.
    public var codes: [String] { [memberCell, destinationCell, residenceCell, requestingOrganisation].compactMap { $0 } }
}

/// Turns a procedure's route plan (catalog data) into the concrete route of one dossier through
/// the organisation tree (DOMAIN §12): roles resolve relative to the member's and the
/// destination's chains; steps whose boundary is not crossed, or whose organisation does not exist
/// (no đảng bộ bộ phận), are skipped; an organisation never decides two steps in a row (the
/// member's presentation of the letter is not the organisation's decision).
public enum RoutePlanner {
    /// `presentationWorkingDays`: the procedure's window for presenting the letter, which a
    /// `present-letter` step takes as its budget.
    public static func plan(_ steps: [ProcedureVersion.Step], ends: RouteEnds, tree: OrganisationTree,
                            presentationWorkingDays: Int? = nil) throws -> [PlannedStep] {
        let member = try Side(chain: tree.chain(from: ends.memberCell), tree: tree)
        let destination = try ends.destinationCell.map { try Side(chain: tree.chain(from: $0), tree: tree) }
        var route: [PlannedStep] = []
        for step in steps {
            if let condition = step.when, !applies(condition, member, destination) { continue }
            let presentation = step.action == PlannedStep.presentLetter
            let decidesLatePresentation = step.organisationRole == "letter-issuing-committee"
            let organisation = decidesLatePresentation
                ? route.last { $0.issuesLetter }?.organisationCode
                : try resolve(step.organisationRole, member: member, destination: destination, ends: ends, tree: tree)
            // A letter to present, and a committee to decide on a late presentation, must exist.
            if presentation || decidesLatePresentation, !route.contains(where: \.issuesLetter) {
                throw RoutePlanError.missingLetter(step.code)
            }
            guard let organisation else { continue }
            guard tree[organisation] != nil else { throw RoutePlanError.unknownOrganisation(organisation) }
            if let last = route.last, last.organisationCode == organisation, !last.isPresentation, !presentation, !last.isPayment,
               step.action != "pay",
               !last.onlyAfterLatePresentation { continue }
            route.append(PlannedStep(number: route.count + 1, code: step.code, name: step.name, organisationCode: organisation,
                                     role: step.organisationRole, action: step.action,
                                     workingDays: presentation ? presentationWorkingDays ?? step.workingDays : step.workingDays,
                                     needsDuesStatus: step.needsDuesStatus ?? false,
                                     campaignDeadlineField: step.campaignDeadlineField,
                                     onlyAfterLatePresentation: step.when == "presented-late"))
        }
        return route
    }

    /// One side of a transfer: a cell's organisations by level.
    struct Side {
        let cell: String
        let section: String?
        let grassroots: String?
        /// The directly-superior committee, or the province's organisation board for a grassroots
        /// organisation directly under the province (it then issues the letters).
        let superior: String?
        let province: String?
        let board: String?

        init(chain: [OrganisationRecord], tree: OrganisationTree) throws {
            cell = chain[0].code
            func first(_ kind: OrganisationRecord.Kind) -> OrganisationRecord? { chain.first { $0.kind == kind } }
            section = first(.section)?.code
            let grassrootsRecord = first(.grassroots)
            grassroots = grassrootsRecord?.code
            let provinceRecord = first(.province)
            province = provinceRecord?.code
            board = provinceRecord?.boardCode
            if let parent = grassrootsRecord?.parentCode, tree[parent]?.kind == .superior {
                superior = parent
            } else {
                superior = board
            }
        }
    }

    /// Whether a step's `when` holds for this route (a `presented-late` step is planned, and taken
    /// or skipped by the lifecycle).
    static func applies(_ condition: String, _ member: Side, _ destination: Side?) -> Bool {
        switch condition {
        case "within-grassroots": destination != nil && !crosses("crosses-grassroots", member, destination)
        case "presented-late": true
        default: crosses(condition, member, destination)
        }
    }

    static func crosses(_ boundary: String, _ member: Side, _ destination: Side?) -> Bool {
        guard let destination else { return false }
        switch boundary {
        case "crosses-section": return member.section != destination.section && (member.section != nil || destination.section != nil)
        case "crosses-grassroots": return member.grassroots != destination.grassroots
        case "crosses-superior": return member.superior != destination.superior
        case "crosses-province": return member.province != destination.province
        default: return true
        }
    }

    static func resolve(_ role: String, member: Side, destination: Side?, ends: RouteEnds,
                        tree: OrganisationTree) throws -> String? {
        func needDestination() throws -> Side {
            guard let destination else { throw RoutePlanError.missingField("chiBoNoiDen") }
            return destination
        }
        switch role {
        case "member-chi-bo": return member.cell
        case "sub-committee": return member.section
        case "grassroots-committee": return member.grassroots
        case "directly-superior-committee": return member.superior
        case "province-organisation-board": return member.board
        case "receiving-chi-bo": return try needDestination().cell
        case "receiving-sub-committee": return try needDestination().section
        case "receiving-grassroots-committee": return try needDestination().grassroots
        case "receiving-superior-committee": return try needDestination().superior
        case "receiving-province-organisation-board": return try needDestination().board
        case "receiving-first-organisation":
            // The first organisation of the receiving side, which the member presents the letter to.
            let destination = try needDestination()
            let levels: [(String, String?)] = [("crosses-province", destination.board), ("crosses-superior", destination.superior),
                                               ("crosses-grassroots", destination.grassroots), ("crosses-section", destination.section)]
            return levels.first { crosses($0.0, member, destination) && $0.1 != nil }?.1 ?? destination.cell
        case "residence-chi-bo":
            guard let cell = ends.residenceCell else { throw RoutePlanError.missingField("chiBoNoiCuTru") }
            guard tree[cell] != nil else { throw RoutePlanError.unknownOrganisation(cell) }
            return cell
        case "workplace-grassroots-committee":
            let code = ends.requestingOrganisation ?? member.grassroots
            if let code, tree[code] == nil { throw RoutePlanError.unknownOrganisation(code) }
            return code
        default:
            // `member`: the member's own action (paying), not an organisation's step.
            return nil
        }
    }
}
