import Contracts
import Foundation
import PaymentRules
import Persistence
import ServiceKit

/// The monthly close (quyết toán đảng phí hằng tháng): each organisation keeps its share of the dues
/// it received (from its members, in cash or at its bank account through the payment platform, and
/// from the levels below) and remits the rest to the level above; then each chi bộ hears which of
/// its members are in arrears. Run by `MonthlyCloseTimer` for the month just ended.
struct MonthlyClose: Sendable {
    let catalog: ProcedureCatalog

    func rules(for month: DuesMonth) -> DuesRules? {
        catalog.procedure(ProcedureCode.partyDues, at: month.adding(1).start.addingTimeInterval(-1))?.dues
    }

    /// Closes `month` for every organisation that received dues and has not closed it, lowest level
    /// first; an organisation closed already is left as it is (a timer firing twice closes once).
    func closeMonth(_ month: DuesMonth, context: HandlerContext) throws {
        guard let rules = rules(for: month) else { return }
        // Level by level, so each level's candidates include those the level below just remitted to.
        for kind in RemittanceSplit.closingOrder {
            let organisations = try context.db.execute("""
                SELECT o.code, o.parent_code FROM dues_organisations o
                WHERE o.kind = $2
                  AND EXISTS (SELECT 1 FROM ledger_lines l WHERE l.account IN ('org:' || o.code || ':bank', 'org:' || o.code || ':cash'))
                  AND NOT EXISTS (SELECT 1 FROM dues_closes c WHERE c.organisation_code = o.code AND c.month = $1)
                ORDER BY o.code
                """, [month.description, kind]).rows
            for row in organisations {
                try close(try row.string("code"), kind: kind, parent: try row.optionalString("parent_code"),
                          month: month, rules: rules, context: context)
            }
        }
    }

    func close(_ organisation: String, kind: String, parent: String?, month: DuesMonth, rules: DuesRules, context: HandlerContext) throws {
        let db = context.db
        let (bank, cash) = (LedgerPostings.bank(organisation), LedgerPostings.cash(organisation))
        // Everything received up to the month's end from members, and every remittance from below
        // so far, less what earlier closes counted: nothing is counted twice or left out.
        let received = try db.execute("""
            SELECT coalesce(sum(l.amount_vnd), 0)::bigint AS received FROM ledger_lines l JOIN ledger_journals j USING (journal_id)
            WHERE l.account IN ($1, $2)
              AND ((l.amount_vnd > 0 AND j.kind = 'receipt' AND j.posted_at < $3
                    AND j.payment_id IN (SELECT payment_id FROM payment_orders WHERE purpose = 'party-dues'))  -- dues, never fees
                   OR (l.amount_vnd > 0 AND j.kind = 'remittance')
                   -- Credit handed back to members is not the organisation's to keep or remit.
                   OR (j.kind = 'refund' AND j.posted_at < $3))
            """, [bank, cash, month.adding(1).start]).first?.int("received") ?? 0
        let counted = try db.execute("SELECT coalesce(sum(base_vnd), 0)::bigint AS counted FROM dues_closes WHERE organisation_code = $1",
                                     [organisation]).first?.int("counted") ?? 0
        let base = max(0, received - counted)
        let percent = parent == nil ? 100 : rules.keptPercent(kind: kind, month: month.start)
        let (kept, remitted) = RemittanceSplit.split(baseVND: base, keptPercent: percent, hasParent: parent != nil)
        guard try db.execute("""
            INSERT INTO dues_closes (organisation_code, month, base_vnd, kept_percent, kept_vnd, remitted_vnd, parent_code, closed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING 1
            """, [organisation, month.description, base, percent, kept, remitted, parent, context.now]).first != nil else { return }
        if let parent, remitted > 0 {
            // From the cash box first (the treasurer hands it over), the rest from the bank account.
            let fromCash = min(max(try LedgerBook.balance(cash, db: db), 0), remitted)
            let lines = [LedgerPostings.Line(cash, -fromCash), LedgerPostings.Line(bank, -(remitted - fromCash)),
                         LedgerPostings.Line(LedgerPostings.bank(parent), remitted),
                         LedgerPostings.Line(LedgerPostings.income(organisation), remitted),
                         LedgerPostings.Line(LedgerPostings.income(parent), -remitted)].filter { $0.amountVND != 0 }
            try LedgerBook.post(.remittance, sourceKey: "remittance:\(organisation):\(month)", paymentId: nil,
                                memo: "Nộp đảng phí tháng \(month.display) lên cấp trên \(parent)", lines: lines, at: context.now, db: db)
        }
        guard base > 0 else { return }
        try context.emit(.duesRemitted, subject: nil, data: DuesRemittedV1(
            organisationCode: organisation, parentOrganisationCode: parent, month: month, baseVND: base, keptPercent: percent,
            keptVND: kept, remittedVND: remitted, closedAt: context.now))
    }

    /// Each chi bộ's (or chi bộ cơ sở's) members with the rules' `arrearsMonthsToReport` or more unpaid months in
    /// `month`'s year up to it, counted from January or from when payment started collecting the
    /// member's dues (a month paid, exempt or reduced counts as paid); once per chi bộ and month.
    func reportArrears(_ month: DuesMonth, context: HandlerContext) throws {
        guard let threshold = rules(for: month)?.arrearsMonthsToReport, threshold > 0 else { return }
        let rows = try context.db.execute("""
            WITH members AS (
                SELECT mo.member_id, mo.organisation_code,
                       greatest($1::date, date_trunc('month', (SELECT min(m.at) FROM member_organisation_moves m
                                                                WHERE m.member_id = mo.member_id) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date) AS first_month
                FROM member_organisations mo
                WHERE NOT EXISTS (SELECT 1 FROM dues_arrears_reports r WHERE r.organisation_code = mo.organisation_code AND r.month = $4))
            SELECT m.organisation_code, m.member_id, array_to_string(array_agg(to_char(g, 'YYYY-MM') ORDER BY g), ',') AS unpaid
            FROM members m, generate_series(m.first_month, $2::date, interval '1 month') g
            WHERE NOT EXISTS (SELECT 1 FROM dues_months d WHERE d.member_id = m.member_id AND d.month = to_char(g, 'YYYY-MM'))
            GROUP BY m.organisation_code, m.member_id HAVING count(*) >= $3
            ORDER BY m.organisation_code, m.member_id
            """, [String(format: "%04d-01-01", month.year), "\(month)-01", threshold, month.description]).rows
        var byCell: [String: [DuesArrearsReportedV1.Member]] = [:]
        for row in rows {
            byCell[try row.string("organisation_code"), default: []].append(DuesArrearsReportedV1.Member(
                memberId: try row.string("member_id"), unpaidMonths: try row.string("unpaid").split(separator: ",").compactMap { DuesMonth(String($0)) }))
        }
        for (cell, members) in byCell.sorted(by: { $0.key < $1.key }) {
            try context.db.execute("""
                INSERT INTO dues_arrears_reports (organisation_code, month, members, reported_at) VALUES ($1, $2, $3::jsonb, $4)
                """, [cell, month.description, try JSONText(members), context.now])
            try context.emit(.duesArrearsReported, subject: nil, data: DuesArrearsReportedV1(
                organisationCode: cell, year: month.year, throughMonth: month, arrearsMonthsToReport: threshold, members: members,
                reportedAt: context.now))
        }
    }
}

/// Closes the month just ended, then reports arrears; armed at every start (so a month missed while
/// the service was down is closed at once) and then for the first of each month, 01:00.
struct MonthlyCloseTimer: TimerHandler {
    let close: MonthlyClose
    var kind: String { "dues-monthly-close" }
    var armedAtStart: [String] { ["monthly"] }
    /// Periodic, but it closes every member's month: an act for the audit log.
    var audited: Bool { true }

    func fire(_ timer: DueTimer, context: HandlerContext) throws {
        let thisMonth = DuesMonth(containing: context.now)
        try close.closeMonth(thisMonth.adding(-1), context: context)
        try close.reportArrears(thisMonth.adding(-1), context: context)
        try Timers.schedule(kind: kind, key: timer.key, dueAt: thisMonth.adding(1).start.addingTimeInterval(3600),
                            payload: ["month": thisMonth.adding(1).description], in: context)
    }
}
