import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A response as a test sees it: status, headers (lower-cased names) and body.
public struct TestResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public var text: String { String(decoding: body, as: UTF8.self) }

    public var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A plain HTTP client for tests (URLSession: libcurl underneath on Linux, no redirects followed).
public final class TestHTTPClient: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    private var session: URLSession!

    public override init() {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpShouldSetCookies = false
        configuration.timeoutIntervalForRequest = 30
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }

    public func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }

    public func send(
        _ method: String, _ url: String, headers: [String: String] = [:], body: Data? = nil
    ) async throws -> TestResponse {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var lowered: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            lowered[String(describing: name).lowercased()] = String(describing: value)
        }
        return TestResponse(status: http.statusCode, headers: lowered, body: data)
    }

    public func get(_ url: String, headers: [String: String] = [:]) async throws -> TestResponse {
        try await send("GET", url, headers: headers)
    }

    public func postJSON(_ url: String, _ object: Any, headers: [String: String] = [:]) async throws -> TestResponse {
        var all = ["Content-Type": "application/json", "Accept": "application/json, text/event-stream"]
        all.merge(headers) { _, new in new }
        return try await send("POST", url, headers: all, body: try JSONSerialization.data(withJSONObject: object))
    }

    public func postForm(_ url: String, _ fields: [String: String], headers: [String: String] = [:]) async throws -> TestResponse {
        var all = ["Content-Type": "application/x-www-form-urlencoded"]
        all.merge(headers) { _, new in new }
        let body = fields.map { "\($0.key.formEncoded)=\($0.value.formEncoded)" }.joined(separator: "&")
        return try await send("POST", url, headers: all, body: Data(body.utf8))
    }
}

extension String {
    var formEncoded: String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return addingPercentEncoding(withAllowedCharacters: allowed) ?? self
    }
}
