import Foundation

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
    public let form: Form
    public let components: [Component]
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
        let folder = Bundle.module.url(forResource: "Catalog", withExtension: nil)!
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        return ProcedureCatalog(versions: try files.map {
            try WireJSON.decode(ProcedureVersion.self, from: Array(try Data(contentsOf: folder.appendingPathComponent($0))))
        })
    }

    /// The version of `code` in force at `time`, or nil when the procedure does not exist then.
    public func procedure(_ code: String, at time: Date) -> ProcedureVersion? {
        versions.last { $0.code == code && $0.effectiveFrom <= time }
    }
}
