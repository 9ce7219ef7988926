import Foundation
import Calendar

/// One published version of a procedure (thủ tục hành chính) in the catalog, with every element
/// of Đ.8.1. Versions are immutable data files `Catalog/<code>.v<version>.json`; a dossier is
/// judged by the version in force at its official receipt time (Đ.29.3).
public struct ProcedureVersion: Codable, Sendable {
    public struct TimeLimit: Codable, Sendable {
        public let workingDays: Int
    }

    /// A form (tờ khai) and its fields; its code is `<procedure code>.<symbol>` (Đ.28.3b).
    public struct Form: Codable, Sendable {
        public struct Field: Codable, Sendable {
            public let name: String
            public let label: String
            public let type: String
            public let required: Bool
            public let pattern: String?
            public let maxLength: Int?
            public let allowedValues: [String]?
            /// The member registry attribute that fills this field when the member leaves it empty
            /// and that it must match otherwise ("ask only once"): `fullName`, `dateOfBirth`, ...
            public let registry: String?
        }

        public let symbol: String
        public let code: String
        public let version: String
        public let fields: [Field]
    }

    /// A dossier component (thành phần hồ sơ).
    public struct Component: Codable, Sendable {
        public let code: String
        public let name: String
        public let required: Bool
        public let mediaTypes: [String]
        public let maxSizeBytes: Int
        public let signatureRequired: Bool
        /// When a non-required component is needed, in words.
        public let condition: String?
        /// Who must sign it: `member` (the certificate's serialNumber is their citizen id) or
        /// `organisation` (serialNumber `TCD:<organisation code>`). Default `member`.
        public let signedBy: String?
        /// Result document types (`GGT`, `PNX`, …) of the member's data store (Kho quản lý dữ liệu
        /// điện tử, Đ.19) that stand for this component: the dossier names the earlier result by its
        /// code instead of attaching it again (Đ.13.2). Absent: the component must be uploaded.
        public let acceptsResultTypes: [String]?
    }

    /// A step of the procedure (Đ.8.1): which organisation, by its role relative to the member, does what.
    public struct Step: Codable, Sendable {
        public let code: String
        public let name: String
        /// e.g. `member-chi-bo`, `grassroots-committee`, `directly-superior-committee`.
        public let organisationRole: String
        /// `confirm`, `comment`, `issue-letter`, `accept`, `answer`, `record`; `request` is done by
        /// the submission itself, `pay` by the member; `present-letter` is the member's own time to
        /// present the introduction letter (its budget is `presentWithinWorkingDaysOfIntroduction`),
        /// recorded by the receiving organisation; `decide-late-presentation` is the letter-issuing
        /// committee's decision on a letter presented late.
        public let action: String
        public let workingDays: Int
        /// The step exists only when the route crosses this boundary between the member's and the
        /// destination's organisations: `crosses-section`, `crosses-grassroots`, `crosses-superior`,
        /// `crosses-province`, or when it does not: `within-grassroots`. `presented-late`: planned on
        /// every route, but taken only when the letter was presented after its window. Always when absent.
        public let when: String?
        /// The introduction letter records the member's dues status, obtained from payment.
        public let needsDuesStatus: Bool?
        /// A form field (a date) that, when filled, sets this step's deadline instead of
        /// `workingDays` (a campaign's deadline).
        public let campaignDeadlineField: String?
    }

    /// A fee (lệ phí); none of the four procedures has one today.
    public struct Fee: Codable, Sendable {
        public let name: String
        public let amountVND: Int
    }

    /// Allowed periods of a temporary transfer (DOMAIN §12 (2)), by purpose.
    public struct TemporaryPeriod: Codable, Sendable {
        public struct Range: Codable, Sendable {
            public let minMonths: Int
            public let maxMonths: Int
        }
        /// Living or working elsewhere.
        public let work: Range
        /// Full-time study in Vietnam.
        public let study: Range
    }

    public let code: String
    public let version: Int
    public let effectiveFrom: Date
    public let name: String
    /// `full-online` or `partly-online` (Đ.23).
    public let method: String
    /// Complex dossiers get 1 working day instead of 8 working hours for the completeness check.
    public let complex: Bool
    public let processingTimeLimit: TimeLimit
    public let whoMaySubmit: [String]
    public let receivingOrganisation: String
    public let decidingOrganisation: String
    public let resultDocumentType: String
    public let steps: [Step]
    public let fees: [Fee]
    public let form: Form
    public let components: [Component]
    /// Official transfer: submit within this many working days of the triggering decision.
    public let submitWithinWorkingDaysOfDecision: Int?
    /// Official transfer: present to the receiving cell within this many working days of the introduction.
    public let presentWithinWorkingDaysOfIntroduction: Int?
    /// Temporary transfer periods.
    public let temporaryPeriod: TemporaryPeriod?
    /// How many working days a requested supplement is waited for; then the dossier is closed
    /// (refused `supplement-not-received`), so that no dossier waits forever. Absent: 30.
    public let supplementWaitWorkingDays: Int?
    /// Temporary transfer: remind both organisations this many working days before the end.
    public let remindBeforeEndWorkingDays: Int?
    /// Party dues rules, for the dues procedure (DANGPHI).
    public let dues: DuesRules?
}

/// The procedure catalog: every version of every procedure, shipped as data.
public struct ProcedureCatalog: Sendable {
    public let versions: [ProcedureVersion]

    public init(versions: [ProcedureVersion]) {
        self.versions = versions.sorted { ($0.code, $0.effectiveFrom) < ($1.code, $1.effectiveFrom) }
    }

    /// The catalog files in `Shared/Contracts/Catalog`.
    public static func bundled() throws -> ProcedureCatalog {
        ProcedureCatalog(versions: try load(Bundle.module.url(forResource: "Catalog", withExtension: nil)!))
    }

    /// The bundled catalog plus the versions in `TTHC_CATALOG_DIRECTORY` when set: a newly published
    /// version (amendment with its effective date) reaches every service without a rebuild.
    public static func configured(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ProcedureCatalog {
        let bundled = try bundled()
        guard let directory = environment["TTHC_CATALOG_DIRECTORY"], !directory.isEmpty else { return bundled }
        let extra = try load(URL(fileURLWithPath: directory))
        let replaced = Set(extra.map { "\($0.code)/\($0.version)" })
        return ProcedureCatalog(versions: bundled.versions.filter { !replaced.contains("\($0.code)/\($0.version)") } + extra)
    }

    static func load(_ folder: URL) throws -> [ProcedureVersion] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        return try files.map { file in
            do {
                return try WireJSON.decode(ProcedureVersion.self, from: Array(try Data(contentsOf: folder.appendingPathComponent(file))))
            } catch {
                throw CatalogError(file: folder.appendingPathComponent(file).path, problem: "\(error)")
            }
        }
    }

    /// Every result document type the procedures issue (`GGT`, `PNX`, `BL`, …), for results made
    /// outside a procedure (digitised paper results, Đ.20).
    public var resultDocumentTypes: Set<String> { Set(versions.map(\.resultDocumentType)) }

    /// The version of `code` in force at `time`, or nil when the procedure does not exist then.
    /// A dossier is judged by the version in force when it was submitted (Đ.29.3).
    public func procedure(_ code: String, at time: Date) -> ProcedureVersion? {
        versions.last { $0.code == code && $0.effectiveFrom <= time }
    }

    /// The version a dossier was judged by (`dossier.accepted.v1` `procedureVersion`), else the
    /// one in force at `time`.
    public func procedure(_ code: String, version: Int?, orAt time: Date) -> ProcedureVersion? {
        version.flatMap { number in versions.first { $0.code == code && $0.version == number } } ?? procedure(code, at: time)
    }
}

/// A catalog file that cannot be read; the service refuses to start rather than judge by a wrong catalog.
public struct CatalogError: Error, CustomStringConvertible {
    public let file: String
    public let problem: String
    public var description: String { "catalog file \(file): \(problem)" }
}

extension ProcedureVersion {
    /// The deadline the member is shown (Đ.5.8): the published processing time limit from the
    /// official receipt; or, when the form sets a step's campaign day (`campaignDeadlineField`,
    /// e.g. residence comments' `hanTraLoi`), the end of that day plus the budgets of the steps
    /// after it, which is the deadline the route meets.
    public func deadline(officialReceiptAt: Date, form: [String: String], calendar: WorkingCalendar) throws -> Date {
        if let index = steps.firstIndex(where: { $0.campaignDeadlineField != nil }),
           let day = steps[index].campaignDeadlineField.flatMap({ form[$0] }).flatMap(VietnamTime.startOfDay) {
            let after = steps[(index + 1)...].map(\.workingDays).reduce(0, +)
            return try calendar.adding(workingDays: after, to: day.addingTimeInterval(86_400))
        }
        return try calendar.adding(workingDays: processingTimeLimit.workingDays, to: officialReceiptAt)
    }
}
