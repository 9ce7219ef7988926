import Contracts
import Foundation
import PaymentRules
import Persistence
import ServiceKit

/// Payment orders and the money that settles them. Every booking goes through the ledger
/// (`LedgerBook`), in the same transaction as the order's new state and the message announcing it.
struct OrderDesk: Sendable {
    let catalog: ProcedureCatalog
    /// Payment's public edge, where checkout links lead (`TTHC_PAYMENT_PUBLIC_URL`).
    let publicBaseURL: String

    /// One order as stored.
    struct Order: Sendable {
        let paymentId: String
        let dossierCode: String
        let memberId: String
        let organisation: String
        let purpose: PaymentPurpose
        let months: [DuesMonthDue]
        /// Assessed (the months' dues, or the fee).
        let amountDueVND: Int
        let amountToPayVND: Int
        let creditAppliedVND: Int
        let status: PaymentOrderStatus
    }

    func checkoutURL(_ token: String) -> String { "\(publicBaseURL)/thanh-toan/\(token)" }

    // MARK: Opening

    /// `payment.requested.v2`: assesses the amount, opens the order (once per dossier), books the
    /// assessment and announces `payment.due.v1`; settles at once when nothing is left to pay.
    func open(_ request: PaymentRequestedV2, cause: IncomingMessage?, context: HandlerContext) throws {
        let db = context.db
        try Self.lockMember(request.memberId, db: db)
        guard try db.execute("SELECT 1 FROM payment_orders WHERE dossier_code = $1", [request.dossierCode]).first == nil,
              // Withdrawn before this request arrived: nothing to pay.
              try db.execute("SELECT 1 FROM withdrawn_dossiers WHERE dossier_code = $1", [request.dossierCode]).first == nil else { return }
        let assessment: DuesAssessment
        switch request.purpose {
        case .partyDues:
            guard let declaration = request.dues,
                  let rules = catalog.procedure(request.procedureCode, version: request.procedureVersion, orAt: request.requestedAt)?.dues else {
                throw PermanentFailure(code: "no-dues-declaration",
                                       reason: "\(request.dossierCode): a party-dues payment needs the declaration and the catalog's dues rules")
            }
            // Months paid, and months another open order of the member asks for: never charged twice.
            let paid = Set(try db.execute("""
                SELECT month FROM dues_months WHERE member_id = $1
                UNION SELECT m->>'month' FROM payment_orders, jsonb_array_elements(months) m WHERE member_id = $1 AND status = $2
                """, [request.memberId, PaymentOrderStatus.awaitingPayment.rawValue]).rows.compactMap { DuesMonth(try $0.string("month")) })
            do {
                assessment = try DuesAssessment.assess(declaration, rules: rules, paidMonths: paid,
                                                       creditVND: try LedgerBook.memberCredit(request.memberId, db: db))
            } catch let error as DuesError {
                throw PermanentFailure(code: "dues-not-computable", reason: "\(request.dossierCode): \(error)")
            }
        case .fee:
            let fee = request.feeVND ?? 0
            guard fee >= 0 else { throw PermanentFailure(code: "invalid-amount", reason: "feeVND must not be negative") }
            assessment = DuesAssessment(months: [], amountDueVND: fee, creditAppliedVND: 0, extraVND: 0, amountToPayVND: fee)
        }
        // The checkout link's capability: it cannot be guessed from a dossier code.
        let token = UnguessableToken.make()
        let values: [(any PostgresEncodable)?] = [
            request.paymentId, request.dossierCode, request.memberId, request.collectingOrganisationCode, request.purpose.rawValue,
            try JSONText(assessment.months), assessment.amountDueVND, assessment.creditAppliedVND, assessment.extraVND,
            assessment.amountToPayVND, token, PaymentOrderStatus.awaitingPayment.rawValue, context.now]
        try db.execute("""
            INSERT INTO payment_orders (payment_id, dossier_code, member_id, collecting_organisation_code, purpose, months,
                amount_due_vnd, credit_applied_vnd, extra_vnd, amount_to_pay_vnd, checkout_token, status, created_at)
            VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $13)
            """, values)
        try LedgerBook.post(.assessment, sourceKey: "assessment:\(request.paymentId)", paymentId: request.paymentId,
                            memo: "Đảng phí phải nộp, hồ sơ \(request.dossierCode)",
                            lines: LedgerPostings.assessment(member: request.memberId, organisation: request.collectingOrganisationCode,
                                                             amountVND: assessment.amountDueVND), at: context.now, db: db)
        try context.emit(.paymentDue, subject: request.dossierCode, data: PaymentDueV1(
            paymentId: request.paymentId, dossierCode: request.dossierCode, memberId: request.memberId,
            collectingOrganisationCode: request.collectingOrganisationCode, purpose: request.purpose, months: assessment.months,
            amountDueVND: assessment.amountDueVND, creditAppliedVND: assessment.creditAppliedVND, extraVND: assessment.extraVND,
            amountToPayVND: assessment.amountToPayVND, checkoutUrl: assessment.amountToPayVND > 0 ? checkoutURL(token) : nil,
            dueAt: context.now), causedBy: cause)
        if assessment.amountToPayVND == 0 {
            _ = try receive(paymentId: request.paymentId, amountVND: 0, channel: .credit, provider: "tthc",
                            providerReference: "credit:\(request.paymentId)", exact: true, cause: cause, context: context)
        }
    }

    // MARK: Money arriving

    enum Received: Equatable {
        /// The order is paid now.
        case settled
        /// Booked as the member's credit (the order was already paid: paid twice).
        case credited
        /// Less than asked: nothing booked.
        case refused
        /// This booking (`sourceKey`) was made before: nothing new.
        case duplicate
        case unknownOrder
    }

    /// Books money of `amountVND` for an order (online, cash, or nothing when credit covers it), once
    /// per `providerReference`, and settles the order when it is enough.
    func receive(paymentId: String, amountVND: Int, channel: PaymentChannel, provider: String, providerReference: String,
                 exact: Bool, cause: IncomingMessage?, context: HandlerContext) throws -> Received {
        let db = context.db
        guard let order = try Self.lockedOrder(where: "payment_id = $1", paymentId, db: db) else { return .unknownOrder }
        let sourceKey = "\(provider):\(providerReference)"
        if try LedgerBook.posted(sourceKey, db: db) { return .duplicate }
        let outcome = order.status.receive(amountVND, toPay: order.amountToPayVND, exact: exact)
        if outcome == .tooLittle { return .refused }
        try LedgerBook.post(.receipt, sourceKey: sourceKey, paymentId: paymentId,
                            memo: outcome == .creditOnly ? "Nộp thừa, chuyển sang kỳ sau (hồ sơ \(order.dossierCode))"
                                                         : "Nộp đảng phí, hồ sơ \(order.dossierCode)",
                            lines: LedgerPostings.receipt(member: order.memberId, organisation: order.organisation,
                                                          amountVND: amountVND, channel: channel), at: context.now, db: db)
        // Paid twice: never lost, the ledger keeps it as the member's credit for the next months.
        guard case .settles = outcome else { return .credited }
        try db.execute("""
            UPDATE payment_orders SET status = $2, channel = $3, provider_reference = $4, paid_at = $5 WHERE payment_id = $1
            """, [paymentId, PaymentOrderStatus.paid.rawValue, channel.rawValue, providerReference, context.now])
        for month in order.months {
            try db.execute("""
                INSERT INTO dues_months (member_id, month, amount_vnd, paid_at, source, payment_id) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (member_id, month) DO NOTHING
                """, [order.memberId, month.month.description, month.amountDueVND, context.now, channel.rawValue, paymentId])
        }
        try context.emit(.paymentCompleted, subject: order.dossierCode, data: PaymentCompletedV1(
            paymentId: paymentId, dossierCode: order.dossierCode, memberId: order.memberId, amountVND: amountVND, provider: provider,
            providerReference: providerReference, paidAt: context.now, channel: channel, months: order.months,
            creditAppliedVND: order.creditAppliedVND, creditBalanceVND: try LedgerBook.memberCredit(order.memberId, db: db),
            collectingOrganisationCode: order.organisation), causedBy: cause)
        return .settled
    }

    /// `dossier.withdrawn.v1`: an order not paid yet is cancelled and its assessment reversed (the
    /// member's credit it used is theirs again); money arriving for it later is the member's credit.
    func cancel(dossierCode: String, context: HandlerContext) throws {
        let db = context.db
        try db.execute("INSERT INTO withdrawn_dossiers (dossier_code, withdrawn_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                       [dossierCode, context.now])
        guard let order = try Self.lockedOrder(where: "dossier_code = $1", dossierCode, db: db), order.status == .awaitingPayment else {
            return
        }
        try db.execute("UPDATE payment_orders SET status = $2 WHERE payment_id = $1", [order.paymentId, PaymentOrderStatus.cancelled.rawValue])
        let due = order.amountDueVND
        try LedgerBook.post(.cancellation, sourceKey: "cancellation:\(order.paymentId)", paymentId: order.paymentId,
                            memo: "Hủy khoản phải nộp, hồ sơ \(dossierCode) đã rút",
                            lines: LedgerPostings.assessment(member: order.memberId, organisation: order.organisation, amountVND: due)
                                .map { LedgerPostings.Line($0.account, -$0.amountVND) }, at: context.now, db: db)
    }

    /// One member's orders and money, one at a time: the months and the credit an order takes are
    /// decided against everything else of the member's (a transaction-scoped advisory lock).
    static func lockMember(_ member: String, db: PostgresConnection) throws {
        try db.execute("SELECT pg_advisory_xact_lock(hashtextextended('payment-member:' || $1, 0))", [member])
    }

    /// The order, read under its member's lock and then its row's: the order every path takes them in.
    static func lockedOrder(where condition: String, _ value: String, db: PostgresConnection) throws -> Order? {
        guard let owner = try db.execute("SELECT member_id FROM payment_orders WHERE \(condition)", [value]).first else { return nil }
        try lockMember(try owner.string("member_id"), db: db)
        return try order(where: condition, value, lock: true, db: db)
    }

    // MARK: Reading

    static func order(where condition: String, _ value: String, lock: Bool = false, db: PostgresConnection) throws -> Order? {
        guard let row = try db.execute("""
            SELECT payment_id, dossier_code, member_id, collecting_organisation_code, purpose, months, amount_due_vnd, amount_to_pay_vnd,
                   credit_applied_vnd, status
            FROM payment_orders WHERE \(condition)\(lock ? " FOR UPDATE" : "")
            """, [value]).first else { return nil }
        return Order(paymentId: try row.string("payment_id"), dossierCode: try row.string("dossier_code"),
                     memberId: try row.string("member_id"), organisation: try row.string("collecting_organisation_code"),
                     purpose: try row.value(PaymentPurpose.self, "purpose"), months: try row.json([DuesMonthDue].self, "months"),
                     amountDueVND: try row.int("amount_due_vnd"),
                     amountToPayVND: try row.int("amount_to_pay_vnd"), creditAppliedVND: try row.int("credit_applied_vnd"),
                     status: try row.value(PaymentOrderStatus.self, "status"))
    }
}
