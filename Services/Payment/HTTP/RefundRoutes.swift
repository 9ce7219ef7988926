import Contracts
import Foundation
import Hummingbird
import PaymentRules
import ServiceKit

/// The chi bộ hands a member's credit (overpayments carried forward) back in cash, audited:
/// `POST /v1/members/{memberId}/dues-refunds` `{"refundId", "amountVND", "reason"}`, by an officer of
/// the organisation collecting the member's dues now; at most the credit and what the chi bộ holds;
/// once per member and `refundId` (the same slip again answers the same; another amount is 409).
struct RefundRoutes: Sendable {
    let tokens: OfficerTokens

    struct Refund: Decodable, Sendable {
        let refundId: String
        let amountVND: Int
        let reason: String
    }

    struct Refunded: Encodable, Sendable {
        let memberId: String
        let refundId: String
        let amountVND: Int
        let creditLeftVND: Int
    }

    func add(to router: Router<BasicRequestContext>, resources: ServiceResources) {
        let officers = OfficerRequests(tokens: tokens, resources: resources)
        router.post("/v1/members/:member/dues-refunds") { request, context in
            let member = context.parameters.get("member") ?? ""
            return try await officers.serve(request, body: Refund.self,
                                            expected: #"{"refundId": "HT-2026-001", "amountVND": 50000, "reason": "..."}"#) {
                try refund(member, $1, $0)
            }
        }
    }

    func refund(_ member: String, _ refund: Refund, _ call: OfficerCall) throws -> HTTPAnswer {
        let db = call.context.db
        try OrderDesk.lockMember(member, db: db)
        let organisation = try MemberOrganisationHandler.organisation(of: member, db: db)
        // An officer of the chi bộ moves money; an auditor (or any other role) only reads.
        let allowed = organisation != nil && organisation == call.officer.org && call.officer.role == "officer"
        try call.audit("refund-dues-credit", memberId: member, allowed: allowed, detail: "\(member) \(refund.refundId) \(refund.amountVND) VND: \(refund.reason)")
        guard let organisation, allowed else {
            return try HTTPAnswer.error(.forbidden, "wrong-organisation", "Chỉ chi bộ đang thu đảng phí của đảng viên mới hoàn trả được.")
        }
        let reason = refund.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard refund.refundId.range(of: "^[A-Za-z0-9._-]{1,64}$", options: .regularExpression) != nil, !reason.isEmpty, reason.count <= 500 else {
            return try HTTPAnswer.error(.unprocessableContent, "invalid-refund",
                                        "Cần mã phiếu hoàn trả (chữ, số, . _ -; tối đa 64 ký tự) và lý do hoàn trả (tối đa 500 ký tự).")
        }
        let sourceKey = "refund:\(member):\(refund.refundId)"
        if let earlier = try db.execute("""
            SELECT l.amount_vnd FROM ledger_journals j JOIN ledger_lines l USING (journal_id) WHERE j.source_key = $1 AND l.account = $2
            """, [sourceKey, LedgerPostings.member(member)]).first {
            // The same slip again: the refund it booked, never a second one.
            guard try earlier.int("amount_vnd") == refund.amountVND else {
                return try HTTPAnswer.error(.conflict, "refund-id-reused", "Mã phiếu hoàn trả \(refund.refundId) đã dùng cho một số tiền khác.")
            }
        } else {
            let credit = try LedgerBook.memberCredit(member, db: db)
            guard refund.amountVND > 0, refund.amountVND <= credit else {
                return try HTTPAnswer.error(.unprocessableContent, "more-than-credit",
                                            "Số tiền hoàn trả phải lớn hơn 0 và không quá số tiền nộp thừa (\(PaymentPages.vnd(credit))).")
            }
            // From the cash box first, the rest from the bank account; never more than the chi bộ holds.
            let cash = max(try LedgerBook.balance(LedgerPostings.cash(organisation), db: db), 0)
            let bank = max(try LedgerBook.balance(LedgerPostings.bank(organisation), db: db), 0)
            guard refund.amountVND <= cash + bank else {
                return try HTTPAnswer.error(.unprocessableContent, "not-enough-funds",
                                            "Chi bộ không còn đủ tiền (\(PaymentPages.vnd(cash + bank))) để hoàn trả; số tiền đã nộp lên cấp trên.")
            }
            try LedgerBook.post(.refund, sourceKey: sourceKey, paymentId: nil, memo: "Hoàn trả tiền nộp thừa: \(reason)",
                                lines: LedgerPostings.refund(member: member, organisation: organisation, amountVND: refund.amountVND,
                                                             fromCashVND: min(cash, refund.amountVND)),
                                at: call.context.now, db: db)
        }
        return try HTTPAnswer.json(.ok, Refunded(memberId: member, refundId: refund.refundId, amountVND: refund.amountVND,
                                                creditLeftVND: try LedgerBook.memberCredit(member, db: db)))
    }
}
