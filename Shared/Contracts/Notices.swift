import Foundation

// Notices to people and answers about messages that could not be processed.

/// Who a notice is for: a member (or a member's delegate) or a party organisation.
public enum NoticeRecipientKind: String, Codable, Sendable { case member, organisation }

/// `notification.sent.v1`: a notice left the system on a channel (Đ.14.4): the mail server took
/// the e-mail, or the SMS gateway took the SMS. Notices in the account are not announced: writing
/// one is its delivery.
public struct NotificationSentV1: Codable, Sendable, Equatable {
    public enum Channel: String, Codable, Sendable { case email, sms }

    /// The notice (its id in notification), the same on every channel.
    public var noticeId: String
    public var recipientKind: NoticeRecipientKind
    public var recipientId: String
    /// The member the notice is about (also for a delegate's copy).
    public var memberId: String?
    public var dossierCode: String?
    public var channel: Channel
    /// The provider that took it (`smtp`, `brandname-sms`) and its reference, when it gave one.
    public var provider: String
    public var providerReference: String?
    /// The event the notice tells of (`dossier.received.v1`).
    public var sourceType: String
    public var attempts: Int
    public var sentAt: Date

    public init(noticeId: String, recipientKind: NoticeRecipientKind, recipientId: String, memberId: String?, dossierCode: String?,
                channel: Channel, provider: String, providerReference: String?, sourceType: String, attempts: Int, sentAt: Date) {
        self.noticeId = noticeId
        self.recipientKind = recipientKind
        self.recipientId = recipientId
        self.memberId = memberId
        self.dossierCode = dossierCode
        self.channel = channel
        self.provider = provider
        self.providerReference = providerReference
        self.sourceType = sourceType
        self.attempts = attempts
        self.sentAt = sentAt
    }
}

/// `notification.failed.v1`: a notice could not be delivered on a channel: the address was refused
/// (`bounced`), the SMS operator reported it undelivered, or no attempt succeeded within the
/// configured time (`failed`). The notice is still in the recipient's account.
public struct NotificationFailedV1: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable { case failed, bounced }

    public var noticeId: String
    public var recipientKind: NoticeRecipientKind
    public var recipientId: String
    public var memberId: String?
    public var dossierCode: String?
    public var channel: NotificationSentV1.Channel
    public var outcome: Outcome
    public var reason: String
    public var sourceType: String
    public var attempts: Int
    public var failedAt: Date

    public init(noticeId: String, recipientKind: NoticeRecipientKind, recipientId: String, memberId: String?, dossierCode: String?,
                channel: NotificationSentV1.Channel, outcome: Outcome, reason: String, sourceType: String, attempts: Int, failedAt: Date) {
        self.noticeId = noticeId
        self.recipientKind = recipientKind
        self.recipientId = recipientId
        self.memberId = memberId
        self.dossierCode = dossierCode
        self.channel = channel
        self.outcome = outcome
        self.reason = reason
        self.sourceType = sourceType
        self.attempts = attempts
        self.failedAt = failedAt
    }
}

/// `message.dead-lettered.v1`: sent to a command's `reply_to` when the command cannot be processed
/// (malformed, unknown type or version, too large, sender unknown). The command is kept in the
/// service's dead-letter queue and can be replayed once the cause is fixed.
public struct MessageDeadLetteredV1: Codable, Sendable, Equatable {
    public var messageId: String?
    public var errorCode: String
    public var reason: String
    /// Vietnamese explanation for people.
    public var message: String

    public init(messageId: String?, errorCode: String, reason: String, message: String) {
        self.messageId = messageId
        self.errorCode = errorCode
        self.reason = reason
        self.message = message
    }
}

extension MessageType {
    public static let notificationSent = MessageType("notification.sent", major: 1)
    public static let notificationFailed = MessageType("notification.failed", major: 1)
    public static let messageDeadLettered = MessageType("message.dead-lettered", major: 1)
}
