import Contracts
import Foundation

/// What validation knows of a result in a member's data store, from archive's `result.issued.v1`
/// and `result.revoked.v1` (`validation.result_facts`): enough to judge a reference to it.
public struct ResultFacts: Codable, Sendable, Equatable {
    public var resultCode: String
    public var memberId: String
    public var documentTypeCode: String
    /// Only an approval's result stands for a component; a refusal's does not.
    public var approved: Bool
    public var revokedAt: Date?

    public init(resultCode: String, memberId: String, documentTypeCode: String, approved: Bool, revokedAt: Date? = nil) {
        self.resultCode = resultCode
        self.memberId = memberId
        self.documentTypeCode = documentTypeCode
        self.approved = approved
        self.revokedAt = revokedAt
    }
}

/// Components given by an earlier result (Đ.13.2): judged from archive's announcements, never
/// from the submitter's word. A result that is not the submitter's, not an approval, revoked, or
/// of a type the component does not accept is one problem that says no more. A code whose holder
/// part is not the member's own citizen id is that problem at once, before any lookup, so that
/// waiting or not tells nothing about whether someone else holds such a result.
extension ContentCheck {
    /// The member's own result codes whose issuance has not been heard of yet: the dossier waits for them.
    func awaitedResults(_ content: DossierContent, member: MemberRecord, results: [String: ResultFacts]) -> [String] {
        (content.resultReferences ?? []).map(\.resultCode).filter { Self.holds(member, $0) && results[$0] == nil }
    }

    /// Whether a result code names `member` as its holder (`KQ.<citizen id>.…`, Đ.17.3c).
    static func holds(_ member: MemberRecord, _ resultCode: String) -> Bool {
        resultCode.hasPrefix("KQ.\(member.citizenId).")
    }

    func resultReferenceProblems(_ content: DossierContent, procedure: ProcedureVersion, member: MemberRecord,
                                 results: [String: ResultFacts]) -> [Problem] {
        (content.resultReferences ?? []).enumerated().compactMap { i, reference in
            let component = procedure.components.first { $0.code == reference.componentCode }
            if Self.holds(member, reference.resultCode), let facts = results[reference.resultCode], let component,
               facts.memberId == content.submitter.memberId,
               facts.approved, facts.revokedAt == nil, (component.acceptsResultTypes ?? []).contains(facts.documentTypeCode) {
                return nil
            }
            let name = component?.name ?? reference.componentCode
            return Problem(code: "result-reference-invalid", path: "$.data.resultReferences[\(i)].resultCode",
                           message: "\(name): không có kết quả còn hiệu lực của đảng viên trong kho dữ liệu dùng được cho thành phần này với mã đã nêu; hãy kiểm tra lại mã hoặc tải tài liệu lên.")
        }
    }
}
