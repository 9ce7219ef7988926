import Contracts
import Foundation

extension ContentCheck {
    /// Ask only once (Đ.13): a dues declaration that leaves its basis empty gets the member
    /// registry's value for the group's basis (the insured salary, the pension), marked prefilled.
    static func fillDuesBasis(_ procedure: ProcedureVersion, member: MemberRecord, form: inout [String: String],
                              prefilled: inout [PrefilledField]) {
        let field = DuesDeclaration.Field.basis
        guard let dues = procedure.dues, (form[field] ?? "").trimmingCharacters(in: .whitespaces).isEmpty,
              let group = form[DuesDeclaration.Field.group], let month = form[DuesDeclaration.Field.firstMonth].flatMap(DuesMonth.init),
              let known = DuesDeclaration.registryBasis((try? dues.rate(group: group, month: month.start))?.basis, of: member) else { return }
        form[field] = String(known)
        prefilled.append(PrefilledField(path: "$.data.form.\(field)", value: String(known)))
    }
}
