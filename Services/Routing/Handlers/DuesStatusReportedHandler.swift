import Contracts
import Persistence
import ServiceKit

/// `dues.status-reported.v1` from payment: the dues status an introduction letter records.
struct DuesStatusReportedHandler: MessageHandler {
    let messageType = MessageType.duesStatusReported

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let report = try message.decode(DuesStatusReportedV1.self).data
        try context.db.execute("""
            UPDATE routes SET dues_paid_up_to = $2, dues_reported_at = $3::timestamptz WHERE dossier_code = $1
            """, [report.dossierCode, report.paidUpToMonth, report.reportedAt])
    }
}
