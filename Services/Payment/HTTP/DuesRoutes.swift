import Contracts
import Foundation
import Hummingbird
import PaymentRules
import Persistence
import ServiceKit

/// An organisation's dues for a month, for its own officers and auditors (audited):
/// `GET /v1/organisations/{code}/dues/{yyyy-MM}`: its close (received, kept, remitted and to whom),
/// the remittances that arrived from the levels below for that month, and its accounts' balances now.
struct DuesRoutes: Sendable {
    let tokens: OfficerTokens

    struct Close: Encodable, Sendable {
        let organisationCode: String
        let baseVND: Int
        let keptPercent: Int
        let keptVND: Int
        let remittedVND: Int
        let parentOrganisationCode: String?
        let closedAt: Date?
    }

    struct MonthView: Encodable, Sendable {
        let organisationCode: String
        let month: String
        /// nil until the month is closed.
        let close: Close?
        /// The closes of the organisations below that remitted to this one.
        let fromBelow: [Close]
        let bankBalanceVND: Int
        let cashBalanceVND: Int
    }

    func add(to router: Router<BasicRequestContext>, resources: ServiceResources) {
        let officers = OfficerRequests(tokens: tokens, resources: resources)
        router.get("/v1/organisations/:code/dues/:month") { request, context in
            let code = context.parameters.get("code") ?? "", month = context.parameters.get("month") ?? ""
            return try await officers.serve(request) { try view(code, month: month, $0) }
        }
    }

    func view(_ code: String, month text: String, _ call: OfficerCall) throws -> HTTPAnswer {
        let allowed = call.officer.role == "auditor" || call.officer.org == code
        try call.audit("read-organisation-dues", allowed: allowed, detail: "\(code) \(text)")
        guard allowed else {
            return try HTTPAnswer.error(.forbidden, "forbidden", "Chỉ tổ chức đảng đó và kiểm toán viên xem được đảng phí của tổ chức.")
        }
        // `yyyy-MM` only (DuesMonth also reads the form's `MM/yyyy`).
        guard let month = DuesMonth(text), month.description == text else {
            return try HTTPAnswer.error(.badRequest, "invalid-month", "Tháng phải có dạng yyyy-MM.")
        }
        let db = call.context.db
        func closes(_ condition: String) throws -> [Close] {
            try db.execute("""
                SELECT organisation_code, base_vnd, kept_percent, kept_vnd, remitted_vnd, parent_code, \(rfc3339SQL("closed_at")) AS closed_at
                FROM dues_closes WHERE \(condition) AND month = $2 ORDER BY organisation_code
                """, [code, month.description]).rows.map { row in
                Close(organisationCode: try row.string("organisation_code"), baseVND: try row.int("base_vnd"),
                      keptPercent: try row.int("kept_percent"), keptVND: try row.int("kept_vnd"), remittedVND: try row.int("remitted_vnd"),
                      parentOrganisationCode: try row.optionalString("parent_code"),
                      closedAt: try row.optionalString("closed_at").flatMap(WireJSON.parseTimestamp))
            }
        }
        return try HTTPAnswer.json(.ok, MonthView(
            organisationCode: code, month: month.description, close: try closes("organisation_code = $1").first,
            fromBelow: try closes("parent_code = $1 AND remitted_vnd > 0"),
            bankBalanceVND: try LedgerBook.balance(LedgerPostings.bank(code), db: db),
            cashBalanceVND: try LedgerBook.balance(LedgerPostings.cash(code), db: db)))
    }
}
