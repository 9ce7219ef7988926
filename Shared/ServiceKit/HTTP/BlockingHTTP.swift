import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// The few HTTP calls made from synchronous code (payment asking the payment platform inside a
/// timer's transaction, the IPN benchmark): the request sent, waited for at most `timeout` in all,
/// and never following a redirect (a 302 is the answer, its `Location` read).
public final class BlockingHTTP: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    public struct Answer: Sendable {
        public let status: Int
        public let body: Data
        public let location: String?
        /// `Retry-After` in seconds, when the server said it (429, 503).
        public let retryAfter: TimeInterval?
    }

    private lazy var session = URLSession(configuration: .ephemeral, delegate: self, delegateQueue: nil)

    override public init() {}

    /// nil when no answer came in time (or the connection failed).
    public func send(_ request: URLRequest, timeout: TimeInterval) -> Answer? {
        let done = DispatchSemaphore(value: 0)
        let answer = Mutex<Answer?>(nil)
        let task = session.dataTask(with: request) { data, response, _ in
            if let http = response as? HTTPURLResponse {
                answer.withLock { $0 = Answer(status: http.statusCode, body: data ?? Data(), location: http.value(forHTTPHeaderField: "Location"),
                                              retryAfter: http.value(forHTTPHeaderField: "Retry-After").flatMap(TimeInterval.init)) }
            }
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeout) == .timedOut { task.cancel() }
        return answer.withLock { $0 }
    }

    public func get(_ url: String, timeout: TimeInterval = 30) -> Answer? {
        guard let target = URL(string: url) else { return nil }
        return send(URLRequest(url: target, timeoutInterval: timeout), timeout: timeout)
    }

    /// A JSON object of strings, posted; its JSON answer's string fields on 200.
    public func postJSON(_ url: String, _ body: [String: String], timeout: TimeInterval) -> [String: String]? {
        guard let target = URL(string: url), let data = try? JSONSerialization.data(withJSONObject: body) else { return nil }
        var request = URLRequest(url: target, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = data
        guard let answer = send(request, timeout: timeout), answer.status == 200,
              let object = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any] else { return nil }
        return object.compactMapValues { $0 as? String }
    }

    public func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                           newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
