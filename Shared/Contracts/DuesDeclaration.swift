import Foundation

/// What a member declares in the dues dossier (tờ khai nộp đảng phí, form DANGPHI.M03 from
/// version 2): the months paid, the member's group and the basis the rate applies to, any relief
/// asked for (with the MG component as evidence), and any amount paid beyond what is due.
/// Quy định 01-QĐ/TW: members report their income truthfully to the chi bộ as the basis.
public struct DuesDeclaration: Codable, Sendable, Equatable {
    /// The first month paid for (kỳ nộp).
    public var firstMonth: DuesMonth
    /// How many consecutive months, paying in advance when more than one.
    public var months: Int
    /// The member's group in the rates (`social-insurance`, `pensioner`, `student`, …).
    public var group: String
    /// The monthly basis in VND (insured salary of the previous month, benefit, pension,
    /// allowance); absent for groups paying a fixed amount.
    public var basisVND: Int?
    /// Exemption or reduction asked for, from `firstMonth`, for `reliefMonths` months.
    public var relief: DuesRelief?
    public var reliefMonths: Int?
    /// Paid beyond what is due (nộp thêm); carried forward as the member's credit.
    public var extraVND: Int

    public init(firstMonth: DuesMonth, months: Int = 1, group: String, basisVND: Int? = nil, relief: DuesRelief? = nil,
                reliefMonths: Int? = nil, extraVND: Int = 0) {
        self.firstMonth = firstMonth
        self.months = months
        self.group = group
        self.basisVND = basisVND
        self.relief = relief
        self.reliefMonths = reliefMonths
        self.extraVND = extraVND
    }

    /// The form's fields (names in Vietnamese as the form has them).
    public enum Field {
        public static let firstMonth = "kyNop"
        public static let months = "soThangNop"
        public static let group = "nhomDangPhi"
        public static let basis = "mucCanCuVND"
        public static let relief = "mienGiam"
        public static let reliefMonths = "soThangMienGiam"
        public static let extra = "nopThemVND"
    }

    /// The component that proves a relief (đơn đề nghị miễn, giảm).
    public static let reliefComponent = "MG"

    /// Read from a form that passed the form check; nil when the form declares no group (a
    /// form of version 1, which asked for the month only).
    public init?(form: [String: String]) {
        func text(_ name: String) -> String? {
            form[name].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let month = text(Field.firstMonth).flatMap(DuesMonth.init), let group = text(Field.group) else { return nil }
        self.init(firstMonth: month, months: text(Field.months).flatMap { Int($0) } ?? 1, group: group,
                  basisVND: text(Field.basis).flatMap { Int($0) }, relief: text(Field.relief).flatMap(DuesRelief.init(code:)),
                  reliefMonths: text(Field.reliefMonths).flatMap { Int($0) }, extraVND: text(Field.extra).flatMap { Int($0) } ?? 0)
    }

    /// Whether the member registry holds this kind of basis (`MemberRecord.insuredSalary`, `pension`).
    public static func registryKnows(_ basis: String?) -> Bool {
        basis == "previous-month-insured-salary" || basis == "pension"
    }

    /// The member registry's value for a rate's basis, when it holds one.
    public static func registryBasis(_ basis: String?, of member: MemberRecord) -> Int? {
        switch basis {
        case "previous-month-insured-salary": member.insuredSalary
        case "pension": member.pension
        default: nil
        }
    }

    /// The months declared, in order.
    public var monthList: [DuesMonth] { (0..<max(months, 0)).map { firstMonth.adding($0) } }

    /// The relief for `month`, when it falls in the relief's period.
    public func relief(for month: DuesMonth) -> DuesRelief? {
        guard let relief, month >= firstMonth, month < firstMonth.adding(reliefMonths ?? months) else { return nil }
        return relief
    }

    /// Every problem of the declaration against the rules, with the form's paths; `components`:
    /// the component codes the dossier gives (a relief needs its request, MG).
    /// `registryFillsBasis`: intake's check, before validation fills an empty basis the member
    /// registry knows (the insured salary, the pension): "ask only once".
    public static func problems(form: [String: String], rules: DuesRules, components: Set<String>,
                                registryFillsBasis: Bool = false) -> [Problem] {
        guard let declaration = DuesDeclaration(form: form) else { return [] }
        var problems: [Problem] = []
        func add(_ code: String, _ field: String, _ message: String) {
            problems.append(Problem(code: code, path: "$.data.form.\(field)", message: message))
        }
        let maxMonths = rules.maxMonthsPerPayment ?? 12
        if !(1...maxMonths).contains(declaration.months) {
            add("out-of-range", Field.months, "Số tháng nộp một lần phải từ 1 đến \(maxMonths).")
        }
        if declaration.extraVND < 0 { add("out-of-range", Field.extra, "Số tiền nộp thêm không được âm.") }
        for month in declaration.monthList.prefix(maxMonths) {
            do {
                _ = try rules.amountDue(group: declaration.group, basisVND: declaration.basisVND, month: month.start,
                                        relief: declaration.relief(for: month))
            } catch let error as DuesError {
                switch error {
                case .noRatesInForce:
                    add("out-of-range", Field.firstMonth, "Chưa có quy định mức đảng phí cho tháng \(month.display).")
                case .unknownGroup:
                    add("invalid-value", Field.group, "Nhóm đảng viên \(WireText.quote(declaration.group)) không có trong quy định mức đảng phí tháng \(month.display).")
                case .basisRequired:
                    if registryFillsBasis, Self.registryKnows((try? rules.rate(group: declaration.group, month: month.start))?.basis) { break }
                    add("required", Field.basis, "Nhóm đảng viên này nộp theo tỷ lệ phần trăm: phải khai mức thu nhập làm căn cứ tính đảng phí (đồng/tháng).")
                case let .basisOutOfRange(basis):
                    add("out-of-range", Field.basis, "Mức căn cứ tính đảng phí \(basis) đồng không hợp lệ (phải từ 0 đến \(rules.maxBasisVND ?? Int(Int32.max)) đồng/tháng).")
                case let .unknownExemption(code):
                    add("invalid-value", Field.relief, "Diện miễn đảng phí \(WireText.quote(code)) không có trong quy định.")
                case let .reductionNotAllowed(percent):
                    add("invalid-value", Field.relief, "Mức giảm \(percent)% không có trong quy định (chỉ giảm \(rules.reductions.percents.map { "\($0)%" }.joined(separator: ", "))).")
                }
                break
            } catch {
                break
            }
        }
        if declaration.relief != nil {
            if let months = declaration.reliefMonths, !(1...rules.reductions.maxMonths).contains(months) {
                add("out-of-range", Field.reliefMonths, "Thời gian miễn, giảm đảng phí từ 1 đến \(rules.reductions.maxMonths) tháng.")
            }
            if !components.contains(reliefComponent) {
                problems.append(Problem(code: "missing-component", path: "$.data.attachments",
                                        message: "Đề nghị miễn, giảm đảng phí phải kèm đơn đề nghị (thành phần \(reliefComponent))."))
            }
        }
        return problems
    }
}
