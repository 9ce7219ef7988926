import Foundation
import Hummingbird
import Logging

/// The last line of every HTTP edge: an error no route answered becomes a structured answer, never
/// an empty 500. Data the database refuses (a value, a constraint, a limit) is the request's fault:
/// 422 with the reason; anything else is ours: 500 with a reference that is also in the log.
public struct ErrorAnswers<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            if let failure = PermanentFailure(error) {
                logger.notice("request refused", metadata: [
                    "path": .string(request.uri.path), "code": .string(failure.code), "reason": .string(failure.reason)])
                return HTTPError.response(.unprocessableContent, failure.code,
                                          "Yêu cầu không được xử lý vì dữ liệu không hợp lệ (\(failure.code)).")
            }
            let reference = UUID().uuidString.lowercased()
            logger.error("request failed", metadata: [
                "path": .string(request.uri.path), "reference": .string(reference), "error": .string("\(error)")])
            return HTTPError.response(.internalServerError, "internal-error",
                                      "Lỗi hệ thống, vui lòng thử lại sau (mã tham chiếu \(reference)).")
        }
    }
}
