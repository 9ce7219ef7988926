import Contracts
import Foundation
import Hummingbird
import PaymentRules
import ServiceKit

/// The chi bộ hands a member's credit (overpayments carried forward) back in cash, audited:
/// `POST /v1/members/{memberId}/dues-refunds` `{"refundId", "amountVND", "reason"}`, by an officer of
/// the organisation collecting the member's dues now; at most the credit; once per `refundId`.
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
        let allowed = organisation != nil && organisation == call.officer.org && call.officer.role != "auditor"
        try call.audit("refund-dues-credit", allowed: allowed, detail: "\(member) \(refund.refundId) \(refund.amountVND) VND: \(refund.reason)")
        guard let organisation, allowed else {
            return try HTTPAnswer.error(.forbidden, "wrong-organisation", "Chỉ chi bộ đang thu đảng phí của đảng viên mới hoàn trả được.")
        }
        guard WireText.isCleanIdentifier(refund.refundId), !refund.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            return try HTTPAnswer.error(.unprocessableContent, "invalid-refund", "Cần mã phiếu hoàn trả hợp lệ và lý do hoàn trả.")
        }
        let sourceKey = "refund:\(member):\(refund.refundId)"
        if try !LedgerBook.posted(sourceKey, db: db) {
            let credit = try LedgerBook.memberCredit(member, db: db)
            guard refund.amountVND > 0, refund.amountVND <= credit else {
                return try HTTPAnswer.error(.unprocessableContent, "more-than-credit",
                                            "Số tiền hoàn trả phải lớn hơn 0 và không quá số tiền nộp thừa (\(PaymentPages.vnd(credit))).")
            }
            try LedgerBook.post(.refund, sourceKey: sourceKey, paymentId: nil, memo: "Hoàn trả tiền nộp thừa: \(refund.reason)",
                                lines: LedgerPostings.refund(member: member, organisation: organisation, amountVND: refund.amountVND),
                                at: call.context.now, db: db)
        }
        return try HTTPAnswer.json(.ok, Refunded(memberId: member, refundId: refund.refundId, amountVND: refund.amountVND,
                                                creditLeftVND: try LedgerBook.memberCredit(member, db: db)))
    }
}
