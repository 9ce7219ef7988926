import Contracts
import Development
import Foundation
import Mail
import Messaging
import Persistence
import ServiceKit

/// `tthc-bench --emails N`: e-mails handed to Postfix per second, two ways.
/// 1. The mail path alone: N messages through `SMTPMailer` (libcurl, STARTTLS, AUTH, one kept
///    connection) from this process to the mail server (TTHC_SMTP_*).
/// 2. Through tthc-notification (running with TTHC_SMTP_*, e.g. Deploy/local/run.sh): one
///    organisation registered with an official mailbox, then N `dues.arrears-reported.v1` for it
///    (published as payment) — N notices, each queued, sent by its durable timer and recorded `sent`.
///    Figures: e-mails per second from the first queued to the last sent, and notification's CPU
///    per e-mail. The service's rate limit (TTHC_SMTP_RATE_PER_SECOND, 200 by default) caps it.
enum EmailFigures {
    static func run(count: Int, amqp: AMQPURL, databaseURL: String) throws {
        guard let settings = try SMTPSettings.fromEnvironment(ServiceEnvironment.resolvingSecretFiles(ProcessInfo.processInfo.environment)) else {
            throw IPNFigures.Failure("TTHC_SMTP_URL and the rest are needed (eval \"$(Deploy/local/servers.sh env)\")")
        }
        let tag = "mailb\(Int.random(in: 100_000...999_999))"
        // 1. The mail path alone.
        let mailer = SMTPMailer(settings: settings)
        let cpuBefore = processCPUSeconds()
        let started = Date()
        var refused = 0
        for n in 1...count {
            let message = MailMessage(from: settings.from, to: "\(tag).\(n)@example.vn", subject: "Thử nghiệm hiệu năng \(n)",
                                      body: "Hồ sơ thử nghiệm số \(n).", messageId: "<\(tag)-\(n)@tthc.dang.vn>", date: Date())
            if mailer.send(message) != .accepted { refused += 1 }
        }
        let elapsed = Date().timeIntervalSince(started)
        print(String(format: "mail path alone (SMTPMailer → Postfix): %d e-mails in %.2f s = %.0f e-mails/s, client CPU %.2f ms/e-mail%@",
                     count, elapsed, Double(count) / elapsed, (processCPUSeconds() - cpuBefore) * 1000 / Double(count),
                     refused > 0 ? ", \(refused) not taken" : ""))

        // 2. Through the notification service.
        let organisation = OrganisationRecord(code: "\(tag.uppercased()).CB01", kind: .cell, name: "Chi bộ thử nghiệm \(tag)",
                                              parentCode: nil, contact: .init(email: "vanphong.\(tag)@example.vn"), revision: 1)
        let registry = try AMQPConnection(url: AMQPURL(host: amqp.host, port: amqp.port, vhost: "tthc", user: "organisation-registry",
                                                       password: "organisation-registry"))
        try registry.enableConfirms()
        try RegistryPublisher.publish([organisation], as: .organisationRegistered, subject: \.code, on: registry, user: "organisation-registry")
        registry.close()
        let db = try PostgresConnection(url: databaseURL)
        defer { db.close() }
        try waitFor("notification knows the mailbox", timeout: 60) {
            try db.execute("SELECT 1 FROM notification.contacts WHERE recipient_id = $1", [organisation.code]).first != nil
        }
        let pidFile = ProcessInfo.processInfo.environment["TTHC_NOTIFICATION_PID_FILE"] ?? ""
        let notificationPid = (try? String(contentsOfFile: pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        let serviceCPUBefore = notificationPid.flatMap { processCPUSeconds(pid: $0) }
        let payment = try AMQPConnection(url: amqp)
        try payment.enableConfirms()
        for n in 1...count {
            let report = DuesArrearsReportedV1(organisationCode: organisation.code, year: 2026, throughMonth: DuesMonth(year: 2026, month: 12),
                                               arrearsMonthsToReport: 3,
                                               members: [.init(memberId: "\(tag)-DV\(n)", unpaidMonths: [DuesMonth(year: 2026, month: 10)])],
                                               reportedAt: Date())
            let envelope = Envelope(source: "urn:tthc:bench", type: .duesArrearsReported, subject: nil, data: report)
            _ = try payment.publish(exchange: Exchange.events, routingKey: MessageType.duesArrearsReported.routingKey,
                                    body: try WireJSON.encode(envelope), properties: MessageProperties(messageId: envelope.id, userId: amqp.user))
        }
        try payment.waitForConfirms()
        payment.close()
        let sent = """
            SELECT count(*) FILTER (WHERE d.state = 'sent') AS sent, count(*) AS queued,
                   extract(epoch FROM max(d.sent_at) - min(d.queued_at))::float8::text AS seconds
            FROM notification.deliveries d JOIN notification.notices n ON n.id = d.notice_id WHERE n.recipient_id = $1
            """
        try waitFor("\(count) e-mails sent by notification", timeout: 600) {
            try db.execute(sent, [organisation.code]).first?.int("sent") == count
        }
        let row = try db.execute(sent, [organisation.code]).first
        let seconds = Double(try row?.string("seconds") ?? "") ?? .nan
        var serviceCPU: Double?
        if let before = serviceCPUBefore, let after = notificationPid.flatMap({ processCPUSeconds(pid: $0) }) { serviceCPU = after - before }
        print(String(format: "through tthc-notification (queued → sent): %d e-mails in %.2f s = %.0f e-mails/s%@", count, seconds,
                     Double(count) / seconds,
                     serviceCPU.map { String(format: ", notification CPU %.2f ms/e-mail", $0 * 1000 / Double(count)) }
                        ?? " (TTHC_NOTIFICATION_PID_FILE for its CPU)"))
    }

    static func waitFor(_ what: String, timeout: TimeInterval, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try !condition() {
            guard Date() < deadline else { throw IPNFigures.Failure("timed out: \(what)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// User + system CPU of this process.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// User + system CPU of another process (`/proc/<pid>/stat`, clock ticks).
    static func processCPUSeconds(pid: String) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
