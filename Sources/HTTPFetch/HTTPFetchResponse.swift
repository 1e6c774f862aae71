/// A complete HTTP response. Any status code (including 3xx, 4xx and 5xx) is a response, not an error:
/// the caller decides what a status means.
public struct HTTPFetchResponse: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]
    /// The `Content-Type` header as sent by the server, if any (parameters such as `charset` included).
    public var contentType: String?

    public init(status: Int, body: [UInt8], contentType: String? = nil) {
        self.status = status
        self.body = body
        self.contentType = contentType
    }
}
