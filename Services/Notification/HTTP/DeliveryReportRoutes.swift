import Contracts
import Foundation
import Hummingbird
import NotificationRules
import SMSGateways
import ServiceKit

/// `POST /v1/sms-gateways/brandname/delivery-reports`: the SMS gateway's delivery report (DLR),
/// signed with the partner secret. A good report moves the delivery to `delivered` or `failed`
/// (a late one for a delivery already final changes nothing) and is answered `{"code": "00"}`;
/// a bad signature is 401, a request id, number or message id that is not one of our SMS 404 (the
/// gateway tries again, then gives up).
struct DeliveryReportRoutes: Sendable {
    let settings: SMSChannel.Settings

    func add(to router: Router<BasicRequestContext>, resources: ServiceResources) {
        router.post("/v1/sms-gateways/brandname/delivery-reports") { request, context in
            guard let report = try? await request.decode(as: BrandnameSMS.DeliveryReport.self, context: context) else {
                return HTTPError.response(.badRequest, "invalid-report", "Báo cáo gửi tin không đúng định dạng.")
            }
            guard BrandnameSMS.verify(report.signedText, signature: report.signature, secret: settings.secret) else {
                resources.logger.warning("SMS delivery report with a bad signature", metadata: ["requestId": .string(report.requestId)])
                return HTTPError.response(.unauthorized, "bad-signature", "Sai chữ ký.")
            }
            guard let id = SMSChannel.delivery(ofRequestId: report.requestId, prefix: settings.requestIdPrefix) else {
                return HTTPError.response(.notFound, "unknown-delivery", "Không có tin nhắn này.")
            }
            let known = try await resources.transaction { context -> Bool in
                // The report must be about the SMS we sent: its number, and the gateway's id once we have it.
                guard let delivery = try NoticeDelivery.load(id, db: context.db), delivery.channel == .sms,
                      BrandnameSMS.internationalPhone(delivery.address) == report.phone,
                      delivery.providerReference.map({ $0 == report.messageId }) ?? true else { return false }
                context.metrics = resources.metrics
                try DeliveryLog.record(report.status == .delivered ? .reportedDelivered : .reportedFailed, delivery,
                                       provider: "brandname-sms", reference: report.messageId,
                                       reason: report.status == .failed ? "operator: \(report.errorCode ?? "FAILED")" : nil,
                                       attempted: false, context: context)
                return true
            }
            guard known else { return HTTPError.response(.notFound, "unknown-delivery", "Không có tin nhắn này.") }
            return try HTTPAnswer.json(.ok, ["code": BrandnameSMS.Codes.accepted]).response
        }
    }
}
