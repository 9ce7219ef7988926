import Contracts
import Foundation
import Hummingbird
import PaymentGateways
import PaymentRules
import Persistence
import ServiceKit

/// Reconciliation (đối soát) with the payment platform's daily statement, for auditors (audited):
/// `POST /v1/payment-gateways/vnpay/statements/{yyyyMMdd}` with the statement file as the body
/// (CSV, `TxnRef,TransactionNo,AmountVND,PayDate,ResponseCode`, a header line first) answers every
/// mismatch with what payment booked that day (Vietnam time).
struct ReconciliationRoutes: Sendable {
    let tokens: OfficerTokens
    let provider: String

    struct Report: Encodable, Sendable {
        let day: String
        let statementLines: Int
        let bookedThatDay: Int
        let mismatches: [Reconciliation.Mismatch]
    }

    func add(to router: Router<BasicRequestContext>, resources: ServiceResources) {
        let officers = OfficerRequests(tokens: tokens, resources: resources)
        router.post("/v1/payment-gateways/vnpay/statements/:day") { request, context in
            let day = context.parameters.get("day") ?? ""
            let body = try await request.body.collect(upTo: 16 * 1024 * 1024)
            let text = String(buffer: body)
            return try await officers.serve(request) { try reconcile(day: day, csv: text, $0) }
        }
    }

    func reconcile(day: String, csv: String, _ call: OfficerCall) throws -> HTTPAnswer {
        let allowed = call.officer.role == "auditor"
        try call.audit("reconcile-statement", allowed: allowed, detail: "\(provider) \(day)")
        guard allowed else { return try HTTPAnswer.error(.forbidden, "forbidden", "Chỉ kiểm toán viên được đối soát với cổng thanh toán.") }
        guard let start = VNPayDay.start(day) else {
            return try HTTPAnswer.error(.badRequest, "invalid-day", "Ngày đối soát phải có dạng yyyyMMdd.")
        }
        let lines: [Reconciliation.StatementLine]
        do { lines = try Self.parse(csv) } catch let problem as StatementProblem {
            return try HTTPAnswer.error(.unprocessableContent, "invalid-statement", problem.message)
        }
        let db = call.context.db
        func amounts(_ sql: String, _ parameters: [(any PostgresEncodable)?]) throws -> [String: Int] {
            try db.execute(sql, parameters).rows.reduce(into: [:]) { $0[try $1.string("reference")] = try $1.int("amount") }
        }
        // A booking belongs to the day the platform says the payer paid (a callback after midnight,
        // a query 20 minutes late), else to the day it was booked.
        let booked = try amounts("""
            SELECT a.transaction_reference AS reference, a.amount_vnd AS amount
            FROM gateway_attempts a JOIN ledger_journals j ON j.source_key = $1 || ':' || a.transaction_reference AND j.kind = 'receipt'
            WHERE a.provider = $1 AND coalesce(a.platform_paid_at, j.posted_at) >= $2 AND coalesce(a.platform_paid_at, j.posted_at) < $3
            """, [provider, start, start.addingTimeInterval(86_400)])
        let others = try amounts("""
            SELECT a.transaction_reference AS reference, a.amount_vnd AS amount
            FROM gateway_attempts a JOIN ledger_journals j ON j.source_key = $1 || ':' || a.transaction_reference AND j.kind = 'receipt'
            WHERE a.provider = $1 AND a.transaction_reference = ANY($2::text[])
            """, [provider, PostgresArray(lines.map(\.reference))])
        return try HTTPAnswer.json(.ok, Report(day: day, statementLines: lines.count, bookedThatDay: booked.count,
                                              mismatches: Reconciliation.compare(statement: lines, booked: booked, bookedOtherDays: others)))
    }

    struct StatementProblem: Error {
        let message: String
    }

    /// The statement's lines; its fields are codes and numbers, never quoted.
    static func parse(_ csv: String) throws -> [Reconciliation.StatementLine] {
        // A byte-order mark, as spreadsheet tools write, is not part of the header.
        let text = csv.hasPrefix("\u{FEFF}") ? String(csv.dropFirst()) : csv
        var rows = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard rows.first == ["TxnRef", "TransactionNo", "AmountVND", "PayDate", "ResponseCode"] else {
            throw StatementProblem(message: "Dòng tiêu đề phải là TxnRef,TransactionNo,AmountVND,PayDate,ResponseCode.")
        }
        rows.removeFirst()
        return try rows.enumerated().map { index, fields in
            guard fields.count == 5, let amount = Int(fields[2]), amount >= 0, !fields[0].isEmpty else {
                throw StatementProblem(message: "Dòng \(index + 2) của tệp đối soát không đúng định dạng.")
            }
            return Reconciliation.StatementLine(reference: fields[0], transactionNumber: fields[1], amountVND: amount, responseCode: fields[4])
        }
    }
}

/// A platform day `yyyyMMdd` (Vietnam time).
enum VNPayDay {
    /// Its first instant; nil unless it is a day that exists (no 20261301).
    static func start(_ day: String) -> Date? {
        guard day.count == 8, day.allSatisfy(\.isASCII), let start = VNPay.date(day + "000000"),
              VNPay.timestamp(start).prefix(8) == day else { return nil }
        return start
    }
}
