import Contracts
import Foundation

/// What archive answered of a result a dossier references (`result.references-checked.v1`,
/// kept in `validation.result_facts`): enough to judge the reference.
public typealias ResultFacts = ResultReferencesCheckedV1.Checked

/// Components given by an earlier result (Đ.13.2): judged from archive's answer, never from the
/// submitter's word. A result that is not the submitter's, not an approval, revoked, or
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
            if Self.holds(member, reference.resultCode), let facts = results[reference.resultCode], let component, facts.found,
               facts.approved == true, facts.revokedAt == nil, let type = facts.documentTypeCode, (component.acceptsResultTypes ?? []).contains(type) {
                return nil
            }
            let name = component?.name ?? reference.componentCode
            return Problem(code: "result-reference-invalid", path: "$.data.resultReferences[\(i)].resultCode",
                           message: "\(name): không có kết quả còn hiệu lực của đảng viên trong kho dữ liệu dùng được cho thành phần này với mã đã nêu; hãy kiểm tra lại mã hoặc tải tài liệu lên.")
        }
    }
}
