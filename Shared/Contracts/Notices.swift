import Foundation

// Notices to people and answers about messages that could not be processed.

/// `notification.sent.v1`: a notice reached a member through a channel (Đ.14.4).
public struct NotificationSentV1: Codable, Sendable, Equatable {
    public enum Channel: String, Codable, Sendable { case account, email, sms }

    public var notificationId: String
    public var memberId: String
    public var dossierCode: String?
    public var channel: Channel
    public var sourceType: String
    public var sentAt: Date
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
    public static let messageDeadLettered = MessageType("message.dead-lettered", major: 1)
}
