import Contracts
import Foundation
import PaymentGateways
import Persistence
import ServiceKit

/// The attempts to pay an order through the platform (`gateway_attempts`): opened at each checkout,
/// settled once by the platform's callback or, when no callback came, by asking the platform
/// (`querydr`) once the attempt has expired.
struct GatewayAttempts: Sendable {
    let desk: OrderDesk
    let gateway: any PaymentGateway

    static let queryTimer = "gateway-query"
    /// The platform lets the payer 15 minutes; an attempt still unsettled 5 minutes later is asked about.
    static let queryAfter: TimeInterval = 20 * 60
    /// Asked again while the platform says pending, at most this many times.
    static let queries = 6

    struct QueryPayload: Codable {
        let reference: String
        /// The attempt's `vnp_CreateDate` exactly as signed (`yyyyMMddHHmmss`, Vietnam time).
        let transactionDate: String
        let asked: Int
    }

    /// A new attempt with its own reference (`<payment id>.<n>`), and its query timer.
    func open(_ order: OrderDesk.Order, context: HandlerContext) throws -> String {
        let count = try context.db.execute("SELECT count(*) AS n FROM gateway_attempts WHERE payment_id = $1", [order.paymentId])
            .first?.int("n") ?? 0
        let reference = "\(order.paymentId).\(count + 1)"
        try context.db.execute("""
            INSERT INTO gateway_attempts (transaction_reference, payment_id, provider, amount_vnd, created_at) VALUES ($1, $2, $3, $4, $5)
            """, [reference, order.paymentId, gateway.provider, order.amountToPayVND, context.now])
        try Timers.schedule(kind: Self.queryTimer, key: reference, dueAt: context.now.addingTimeInterval(Self.queryAfter),
                            payload: QueryPayload(reference: reference, transactionDate: VNPay.timestamp(context.now), asked: 0), in: context)
        return reference
    }

    /// The platform's word on an attempt (its callback, or its answer to a query), applied once.
    func settle(_ outcome: VNPay.Outcome, context: HandlerContext) throws -> CallbackResult {
        let db = context.db
        guard let attempt = try db.execute("""
            SELECT payment_id, amount_vnd, outcome FROM gateway_attempts WHERE transaction_reference = $1 FOR UPDATE
            """, [outcome.transactionReference]).first else { return .unknownOrder }
        let paymentId = try attempt.string("payment_id")
        guard try attempt.int("amount_vnd") == outcome.amountVND else { return .wrongAmount }
        guard try attempt.optionalString("outcome") == nil else { return .alreadyConfirmed }
        // The query timer is left alone (it does nothing for a settled attempt): a callback never
        // waits on the timer row a query may hold.
        try db.execute("""
            UPDATE gateway_attempts SET outcome = $2, response_code = $3, provider_transaction = $4, platform_paid_at = $5
            WHERE transaction_reference = $1
            """, [outcome.transactionReference, outcome.succeeded ? "paid" : "failed", outcome.responseCode, outcome.transactionNumber,
                  outcome.payDate])
        guard outcome.succeeded else {
            guard let order = try OrderDesk.order(where: "payment_id = $1", paymentId, db: db) else { return .unknownOrder }
            // Only an order still to pay is worth telling the member to try again.
            guard order.status == .awaitingPayment else { return .confirmed }
            try context.emit(.paymentFailed, subject: order.dossierCode, data: PaymentFailedV1(
                paymentId: paymentId, dossierCode: order.dossierCode, memberId: order.memberId, provider: gateway.provider,
                providerReference: outcome.transactionReference, responseCode: outcome.responseCode,
                reason: VNPay.describe(outcome.responseCode), failedAt: context.now))
            return .confirmed
        }
        switch try desk.receive(paymentId: paymentId, amountVND: outcome.amountVND, channel: .online, provider: gateway.provider,
                                providerReference: outcome.transactionReference, exact: true, cause: nil, context: context) {
        case .settled, .credited: return .confirmed
        case .duplicate: return .alreadyConfirmed
        case .refused: return .wrongAmount
        case .unknownOrder: return .unknownOrder
        }
    }
}

/// No callback came for an attempt: ask the platform (`querydr`) and settle it as its callback
/// would; asked again later while the platform says the payment is pending.
struct GatewayQueryTimer: TimerHandler {
    let attempts: GatewayAttempts
    var kind: String { GatewayAttempts.queryTimer }
    /// One per transaction: the platform is asked before any lock is taken, with nothing else held.
    var firesAlone: Bool { true }

    func fire(_ timer: DueTimer, context: HandlerContext) throws {
        let payload = try timer.decode(GatewayAttempts.QueryPayload.self)
        guard try context.db.execute("SELECT 1 FROM gateway_attempts WHERE transaction_reference = $1 AND outcome IS NULL",
                                     [payload.reference]).first != nil else { return }
        switch attempts.gateway.query(reference: payload.reference, transactionDate: payload.transactionDate, now: context.now) {
        case let .settled(outcome):
            _ = try attempts.settle(outcome, context: context)
        case .pending, .unanswered:
            guard payload.asked + 1 < GatewayAttempts.queries else { return }
            try Timers.schedule(kind: kind, key: timer.key, dueAt: context.now.addingTimeInterval(GatewayAttempts.queryAfter),
                                payload: GatewayAttempts.QueryPayload(reference: payload.reference, transactionDate: payload.transactionDate,
                                                                      asked: payload.asked + 1), in: context)
        case .neverPaid:
            // The payer never completed it at the platform: the attempt is over, the order stays open.
            try context.db.execute("""
                UPDATE gateway_attempts SET outcome = 'failed', response_code = '91' WHERE transaction_reference = $1 AND outcome IS NULL
                """, [payload.reference])
        }
    }
}
