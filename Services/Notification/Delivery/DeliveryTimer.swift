import Contracts
import Foundation
import NotificationRules
import Persistence
import ServiceKit

/// Sends one queued delivery when its timer fires (`notice-delivery`, key = the delivery's id),
/// apart from other timers (`firesAlone`), up to 20 in one transaction: each row is locked, the
/// provider called, the outcome recorded and announced in the same transaction. Killed mid-send,
/// the transaction rolls back and the timers fire again: the e-mails go again with the same
/// Message-IDs, the SMS requests with the same request ids (which the gateway does not send twice).
struct DeliveryTimer: TimerHandler {
    static let kind = "notice-delivery"
    var kind: String { Self.kind }
    var firesAlone: Bool { true }
    /// One commit for several sends (a commit costs more than a send to a local mail server); a
    /// crash repeats at most these, each recognisably.
    var aloneBatchSize: Int { 20 }
    let outbound: NoticeOutbound

    func fire(_ timer: DueTimer, context: HandlerContext) throws {
        guard let id = Int(timer.key), let delivery = try NoticeDelivery.load(id, db: context.db), delivery.state == .queued else { return }
        // Sending uses the recipient's address: an access to a member's data.
        context.noteAudit(of: timer, dossierCode: delivery.dossierCode, memberId: delivery.memberId ?? (delivery.recipientKind == .member ? delivery.recipientId : nil),
                          detail: "\(delivery.channel.rawValue) delivery \(id)")
        let channelName = delivery.channel
        guard let channel = outbound.channels[channelName] else {
            // This replica cannot send on the channel (its provider is not configured): keep it for one that can.
            return try retryOrGiveUp(delivery, reason: "no \(channelName.rawValue) provider configured", provider: nil, context: context,
                                     countsAsAttempt: false)
        }
        // The provider is down (a timeout, no answer, throttled): wait with the others, untried,
        // so that one slow provider never holds the other channel's deliveries.
        if let paused = outbound.pausedFor(channelName) {
            guard context.now < delivery.queuedAt.addingTimeInterval(outbound.retry.giveUpAfter) else {
                return try retryOrGiveUp(delivery, reason: "\(channelName.rawValue) provider down", provider: channel.provider,
                                         context: context, countsAsAttempt: false)
            }
            return try later(timer, by: paused + Double(id % 1000) / 1000, context: context)
        }
        // Several deliveries share a transaction: past a few seconds the rest go in the next one, so
        // that locks are not held (nor other timers kept waiting) behind a slow provider.
        if ContinuousClock.now - context.startedAt > .seconds(5) { return try later(timer, by: 0.001, context: context) }
        if let wait = outbound.takeToken(channelName) {
            // Over the provider's rate for more than a second: the same delivery later, not a failed attempt.
            context.metrics?.noticeDelivery(channel: channelName.rawValue, provider: channel.provider, outcome: "rate-limited")
            return try later(timer, by: wait, context: context)
        }
        let started = ContinuousClock.now
        let outcome = channel.send(delivery)
        context.metrics?.noticeSendDuration(ContinuousClock.now - started, channel: channelName.rawValue, provider: channel.provider)
        switch outcome {
        case let .handedOver(reference):
            FaultInjection.afterSend(environment: outbound.faultInjection)
            try DeliveryLog.record(.handedOver, delivery, provider: channel.provider, reference: reference, reason: nil, attempted: true,
                                   context: context)
        case let .refused(reason):
            try DeliveryLog.record(.refused, delivery, provider: channel.provider, reference: nil, reason: reason, attempted: true,
                                   context: context)
        case let .notTaken(reason, channelDown, retryAfter):
            if channelDown {
                // At least as long as the failed attempt took (a timeout), at most the longest back-off.
                let took = Double((ContinuousClock.now - started).components.seconds)
                outbound.pause(channelName, for: min(retryAfter ?? max(outbound.retry.firstRetry, took), outbound.retry.longestWait))
            }
            try retryOrGiveUp(delivery, reason: reason, provider: channel.provider, context: context, countsAsAttempt: true)
        }
    }

    /// The same delivery again after `seconds` (never 0: a timer re-armed for the very instant it was
    /// due would count as fired), without counting an attempt.
    func later(_ timer: DueTimer, by seconds: TimeInterval, context: HandlerContext) throws {
        try Timers.schedule(kind: kind, key: timer.key, dueAt: context.now.addingTimeInterval(seconds), payload: [String: String](), in: context)
    }

    /// Another attempt on the back-off, or the give-up once the window has closed.
    func retryOrGiveUp(_ delivery: NoticeDelivery, reason: String, provider: String?, context: HandlerContext, countsAsAttempt: Bool) throws {
        let attempts = delivery.attempts + (countsAsAttempt ? 1 : 0)
        guard let next = outbound.retry.nextAttempt(after: max(attempts, 1), queuedAt: delivery.queuedAt, now: context.now) else {
            return try DeliveryLog.record(.gaveUp, delivery, provider: provider, reference: nil,
                                          reason: "no attempt succeeded within \(Int(outbound.retry.giveUpAfter)) s; last: \(reason)",
                                          attempted: countsAsAttempt, context: context)
        }
        try DeliveryLog.record(.temporaryFailure, delivery, provider: provider, reference: nil, reason: reason,
                               attempted: countsAsAttempt, context: context)
        try Timers.schedule(kind: kind, key: String(delivery.id), dueAt: next, payload: [String: String](), in: context)
    }
}

/// A delivery's state changes (DeliveryState), recorded and announced: `notification.sent.v1`
/// when a provider took it, `notification.failed.v1` when it ends failed or bounced.
enum DeliveryLog {
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }).prefix(500))
    }

    /// Records `event` for `delivery` as loaded (and locked) in this transaction.
    static func record(_ event: DeliveryState.Event, _ delivery: NoticeDelivery, provider: String?, reference: String?, reason: String?,
                       attempted: Bool, context: HandlerContext) throws {
        let state = delivery.state, id = delivery.id
        guard let next = state.after(event), let channel = NotificationSentV1.Channel(rawValue: delivery.channel.rawValue) else { return }
        let attempts = delivery.attempts + (attempted ? 1 : 0)
        // Texts from a provider go into a row and a message: no NUL or control characters, bounded.
        let reason = reason.map(Self.printable), reference = reference.map(Self.printable)
        try context.db.executeDeferred("""
            UPDATE deliveries SET state = $2, attempts = $3, provider = coalesce($4, provider),
                provider_reference = coalesce($5, provider_reference), last_error = coalesce($6, last_error),
                last_attempt_at = CASE WHEN $7 THEN $8::timestamptz ELSE last_attempt_at END,
                sent_at = CASE WHEN $2 = 'sent' OR ($2 = 'delivered' AND sent_at IS NULL) THEN $8::timestamptz ELSE sent_at END,
                final_at = CASE WHEN $2 IN ('delivered', 'failed', 'bounced') THEN $8::timestamptz ELSE final_at END
            WHERE id = $1
            """, [id, next.rawValue, attempts, provider, reference, reason, attempted, context.now])
        let provider = provider ?? delivery.provider ?? "none"
        context.metrics?.noticeDelivery(channel: channel.rawValue, provider: provider, outcome: event == .temporaryFailure ? "retried" : next.rawValue)
        let noticeId = String(delivery.noticeId), recipientKind = delivery.recipientKind, recipientId = delivery.recipientId
        let member = delivery.memberId, dossier = delivery.dossierCode, source = delivery.sourceType
        // A report can come before the answer to the send was recorded (the send's transaction died
        // after the gateway took it): the delivery was still sent, and is announced so.
        let announcedSent = next == .sent || (next == .delivered && state == .queued)
        switch next {
        case _ where announcedSent:
            try context.emit(.notificationSent, subject: dossier, data: NotificationSentV1(
                noticeId: noticeId, recipientKind: recipientKind, recipientId: recipientId, memberId: member, dossierCode: dossier,
                channel: channel, provider: provider, providerReference: reference, sourceType: source, attempts: attempts, sentAt: context.now))
        case .failed, .bounced:
            try context.emit(.notificationFailed, subject: dossier, data: NotificationFailedV1(
                noticeId: noticeId, recipientKind: recipientKind, recipientId: recipientId, memberId: member, dossierCode: dossier,
                channel: channel, outcome: next == .bounced ? .bounced : .failed, reason: reason ?? "", sourceType: source,
                attempts: attempts, failedAt: context.now))
        case .queued, .delivered, .sent:
            break
        }
    }
}
