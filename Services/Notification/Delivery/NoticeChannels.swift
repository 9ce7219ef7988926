import Contracts
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Mail
import NotificationRules
import Persistence
import SMSGateways
import ServiceKit
import Synchronization

/// One notice on one channel, as its row and its notice hold it: what a channel sends, and what a
/// state change records and announces. Loaded once, locked, per transaction (`load`).
struct NoticeDelivery: Sendable {
    let id: Int
    let noticeId: Int
    let channel: NotificationChannel
    let state: DeliveryState
    let address: String
    let subject: String?
    let smsText: String?
    let attempts: Int
    let queuedAt: Date
    let provider: String?
    let providerReference: String?
    let noticeText: String
    let recipientKind: NoticeRecipientKind
    let recipientId: String
    let recipientName: String?
    /// The member the notice is about (also on a delegate's copy).
    let memberId: String?
    let dossierCode: String?
    /// The event the notice tells of.
    let sourceType: String

    var audience: NoticeTemplates.Audience { recipientKind == .organisation ? .organisation : .member }

    /// The delivery, its row locked for the transaction; nil when there is none.
    static func load(_ id: Int, db: PostgresConnection) throws -> NoticeDelivery? {
        guard let row = try db.execute("""
            SELECT d.notice_id, d.channel, d.state, d.address, d.subject, d.sms_text, d.attempts,
                   \(rfc3339SQL("d.queued_at")) AS queued_at, d.provider, d.provider_reference,
                   n.text, n.recipient_kind, n.recipient_id, n.member_id, n.dossier_code, n.source_type, c.name
            FROM deliveries d JOIN notices n ON n.id = d.notice_id
            LEFT JOIN contacts c ON c.recipient_kind = n.recipient_kind AND c.recipient_id = n.recipient_id
            WHERE d.id = $1 FOR UPDATE OF d
            """, [id]).first,
            let channel = NotificationChannel(rawValue: try row.string("channel")),
            let state = DeliveryState(rawValue: try row.string("state")),
            let recipientKind = NoticeRecipientKind(rawValue: try row.string("recipient_kind")),
            let queuedAt = WireJSON.parseTimestamp(try row.string("queued_at")) else { return nil }
        return NoticeDelivery(
            id: id, noticeId: try row.int("notice_id"), channel: channel, state: state, address: try row.string("address"),
            subject: try row.optionalString("subject"), smsText: try row.optionalString("sms_text"), attempts: try row.int("attempts"),
            queuedAt: queuedAt, provider: try row.optionalString("provider"), providerReference: try row.optionalString("provider_reference"),
            noticeText: try row.string("text"), recipientKind: recipientKind, recipientId: try row.string("recipient_id"),
            recipientName: try row.optionalString("name"), memberId: try row.optionalString("member_id"),
            dossierCode: try row.optionalString("dossier_code"), sourceType: try row.string("source_type"))
    }
}

/// What a provider said about one attempt.
enum ChannelOutcome: Equatable {
    /// Taken, with the provider's reference when it gives one.
    case handedOver(reference: String?)
    /// Refused for good: the address (or the text) cannot be delivered.
    case refused(String)
    /// Not taken this time: try again later. `channelDown`: the provider itself is unreachable,
    /// slow or refusing everything (no answer, 421, 429, 5xx): the channel pauses (for `retryAfter`
    /// when the provider said) so that its other deliveries do not each wait on it.
    case notTaken(String, channelDown: Bool = false, retryAfter: TimeInterval? = nil)
}

/// A way notices leave the system (behind which a provider sits).
protocol NoticeChannel: Sendable {
    var channel: NotificationChannel { get }
    /// The provider's name in metrics and messages (`smtp`, `brandname-sms`).
    var provider: String { get }
    /// Messages per second the provider accepts from one replica.
    var ratePerSecond: Double { get }
    func send(_ delivery: NoticeDelivery) -> ChannelOutcome
}

/// E-mail through the mail server (libcurl's SMTP, STARTTLS and authentication): the notice in the
/// common letter, as text/plain UTF-8, its Message-ID derived from the notice.
struct EmailChannel: NoticeChannel {
    let channel = NotificationChannel.email
    let provider = "smtp"
    let mailer: SMTPMailer
    let templates: NoticeTemplates
    let ratePerSecond: Double

    /// `<thong-bao-{notice}@{sender's domain}>`: the same notice always carries the same id.
    static func messageId(notice: Int, from: String) -> String {
        "<thong-bao-\(notice)@\(from.split(separator: "@").last.map(String.init) ?? "tthc")>"
    }

    func send(_ delivery: NoticeDelivery) -> ChannelOutcome {
        guard MailMessage.isDeliverable(delivery.address) else { return .refused("not an e-mail address: \(delivery.address.debugDescription)") }
        let message = MailMessage(
            from: mailer.settings.from, fromName: mailer.settings.fromName, to: delivery.address,
            subject: delivery.subject ?? "Thông báo", body: templates.emailBody(notice: delivery.noticeText, recipientName: delivery.recipientName,
                                                                             audience: delivery.audience),
            messageId: Self.messageId(notice: delivery.noticeId, from: mailer.settings.from), date: Date(),
            headers: [("X-TTHC-Notice", String(delivery.noticeId))])
        switch mailer.send(message) {
        case .accepted: return .handedOver(reference: message.messageId)
        case let .recipientRefused(code, detail): return .refused("SMTP \(code): \(detail)")
        case let .notTaken(code, detail):
            // No answer at all (refused, timed out) or 421: the server, not this message.
            return .notTaken(code == 0 ? detail : "SMTP \(code): \(detail)", channelDown: code == 0 || code == 421)
        }
    }
}

/// SMS through a brandname SMS gateway (`SMSGateways.BrandnameSMS`): the request id derives from
/// the delivery, so a request repeated after a crash is the same SMS to the gateway.
struct SMSChannel: NoticeChannel {
    struct Settings: Sendable {
        let gatewayURL: String
        let partnerId: String
        let secret: String
        let brandname: String
        /// Where the gateway posts delivery reports (this service's
        /// `/v1/sms-gateways/brandname/delivery-reports`, as the gateway reaches it).
        let callbackURL: String?
        let ratePerSecond: Double
        let requestIdPrefix: String

        /// From TTHC_SMS_GATEWAY_URL (unset: no SMS channel), TTHC_SMS_PARTNER_ID, TTHC_SMS_SECRET
        /// (its _FILE read by ServiceEnvironment), TTHC_SMS_BRANDNAME, TTHC_SMS_CALLBACK_URL,
        /// TTHC_SMS_RATE_PER_SECOND, TTHC_SMS_REQUEST_ID_PREFIX.
        static func fromEnvironment(_ environment: [String: String]) throws -> Settings? {
            let environment = environment.filter { !$0.value.isEmpty }
            guard let url = environment["TTHC_SMS_GATEWAY_URL"] else { return nil }
            let secret = environment["TTHC_SMS_SECRET"]
            guard let partner = environment["TTHC_SMS_PARTNER_ID"], let secret, !secret.isEmpty else {
                throw SMTPConfigurationError(problem: "TTHC_SMS_PARTNER_ID and TTHC_SMS_SECRET are required with TTHC_SMS_GATEWAY_URL")
            }
            return Settings(gatewayURL: url, partnerId: partner, secret: secret, brandname: environment["TTHC_SMS_BRANDNAME"] ?? "DANGCSVN",
                            callbackURL: environment["TTHC_SMS_CALLBACK_URL"],
                            ratePerSecond: Double(environment["TTHC_SMS_RATE_PER_SECOND"] ?? "") ?? 20,
                            requestIdPrefix: environment["TTHC_SMS_REQUEST_ID_PREFIX"] ?? "tthc-delivery")
        }
    }

    let channel = NotificationChannel.sms
    let provider = "brandname-sms"
    let settings: Settings
    let http: BlockingHTTP
    var ratePerSecond: Double { settings.ratePerSecond }

    /// `{prefix}-{delivery id}`; the prefix (TTHC_SMS_REQUEST_ID_PREFIX) tells deployments sharing
    /// one gateway account apart, so that one's ids are never taken for another's repeats.
    static func requestId(delivery: Int, prefix: String) -> String { "\(prefix)-\(delivery)" }

    /// The delivery a request id names, if it is one of this deployment's.
    static func delivery(ofRequestId requestId: String, prefix: String) -> Int? {
        requestId.hasPrefix(prefix + "-") ? Int(requestId.dropFirst(prefix.count + 1)) : nil
    }

    func send(_ delivery: NoticeDelivery) -> ChannelOutcome {
        guard let text = delivery.smsText else { return .refused("no SMS form for this notice") }
        let measure = SMSText.measure(text)
        guard measure.fits else { return .refused("SMS too long: \(measure.length) > \(measure.limit) (\(measure.encoding.rawValue))") }
        guard let phone = BrandnameSMS.internationalPhone(delivery.address) else { return .refused("not a mobile number: \(delivery.address)") }
        let request = BrandnameSMS.SendRequest(partnerId: settings.partnerId, brandname: settings.brandname, phone: phone, message: text,
                                               requestId: Self.requestId(delivery: delivery.id, prefix: settings.requestIdPrefix),
                                               callbackUrl: settings.callbackURL,
                                               timestamp: Int(Date().timeIntervalSince1970), secret: settings.secret)
        guard let url = URL(string: settings.gatewayURL + "/v1/brandname/send"), let body = try? JSONEncoder().encode(request) else {
            return .notTaken("bad gateway URL \(settings.gatewayURL)")
        }
        var post = URLRequest(url: url, timeoutInterval: 15)
        post.httpMethod = "POST"
        post.setValue("application/json", forHTTPHeaderField: "Content-Type")
        post.httpBody = body
        guard let answer = http.send(post, timeout: 15) else { return .notTaken("no answer from the SMS gateway", channelDown: true) }
        let parsed = try? JSONDecoder().decode(BrandnameSMS.SendAnswer.self, from: answer.body)
        switch (answer.status, parsed?.code) {
        case (200, BrandnameSMS.Codes.accepted?): return .handedOver(reference: parsed?.messageId)
        case (400, BrandnameSMS.Codes.invalidPhone?), (400, BrandnameSMS.Codes.invalidMessage?):
            return .refused("gateway \(parsed?.code ?? ""): \(parsed?.message ?? "")")
        default:
            return .notTaken("gateway HTTP \(answer.status) \(parsed?.code ?? ""): \(parsed?.message ?? "")",
                             channelDown: answer.status == 429 || answer.status == 401 || answer.status >= 500, retryAfter: answer.retryAfter)
        }
    }
}

/// The channels this deployment sends on, how it retries, and each provider's rate.
final class NoticeOutbound: Sendable {
    let channels: [NotificationChannel: any NoticeChannel]
    let retry: RetryPolicy
    /// TTHC_FAULT_INJECTION (tests only): `kill-after-send`.
    let faultInjection: String?
    private let buckets: Mutex<[NotificationChannel: TokenBucket]>
    /// Channels whose provider is down, until when (this replica's view).
    private let paused = Mutex<[NotificationChannel: Date]>([:])

    init(channels: [any NoticeChannel], retry: RetryPolicy, faultInjection: String? = nil) {
        self.faultInjection = faultInjection
        var byChannel: [NotificationChannel: any NoticeChannel] = [:]
        var buckets: [NotificationChannel: TokenBucket] = [:]
        for channel in channels {
            byChannel[channel.channel] = channel
            buckets[channel.channel] = TokenBucket(ratePerSecond: channel.ratePerSecond, burst: max(1, channel.ratePerSecond), now: Date())
        }
        self.channels = byChannel
        self.retry = retry
        self.buckets = Mutex(buckets)
    }

    /// Takes a send token for the provider, waiting for it when it comes within a second (the
    /// timer worker sends one delivery at a time, so waiting here paces it at the provider's rate);
    /// otherwise how long until the next one.
    func takeToken(_ channel: NotificationChannel) -> TimeInterval? {
        while true {
            let wait = buckets.withLock { buckets -> TimeInterval? in
                let now = Date()
                return buckets[channel]?.take(now: now).map { $0.timeIntervalSince(now) }
            }
            guard let wait else { return nil }
            guard wait <= 1 else { return wait }
            Thread.sleep(forTimeInterval: wait)
        }
    }

    /// The channel's provider is down: its deliveries wait `seconds` (real time) before the next try.
    func pause(_ channel: NotificationChannel, for seconds: TimeInterval) {
        paused.withLock { $0[channel] = Date().addingTimeInterval(seconds) }
    }

    /// How long the channel is still paused, if it is.
    func pausedFor(_ channel: NotificationChannel) -> TimeInterval? {
        paused.withLock { paused in paused[channel].map { $0.timeIntervalSinceNow }.flatMap { $0 > 0 ? $0 : nil } }
    }

    static func fromEnvironment(_ environment: [String: String], templates: NoticeTemplates) throws -> NoticeOutbound {
        var channels: [any NoticeChannel] = []
        if let smtp = try SMTPSettings.fromEnvironment(environment) {
            channels.append(EmailChannel(mailer: SMTPMailer(settings: smtp), templates: templates,
                                         ratePerSecond: Double(environment["TTHC_SMTP_RATE_PER_SECOND"] ?? "") ?? 200))
        }
        if let sms = try SMSChannel.Settings.fromEnvironment(environment) { channels.append(SMSChannel(settings: sms, http: BlockingHTTP())) }
        func seconds(_ name: String, _ fallback: TimeInterval) -> TimeInterval { Double(environment[name] ?? "") ?? fallback }
        return NoticeOutbound(channels: channels, retry: RetryPolicy(
            firstRetry: seconds("TTHC_NOTIFICATION_RETRY_FIRST_SECONDS", 30),
            longestWait: seconds("TTHC_NOTIFICATION_RETRY_LONGEST_SECONDS", 3600),
            giveUpAfter: seconds("TTHC_NOTIFICATION_GIVE_UP_SECONDS", 2 * 86_400)),
            faultInjection: environment["TTHC_FAULT_INJECTION"])
    }
}
