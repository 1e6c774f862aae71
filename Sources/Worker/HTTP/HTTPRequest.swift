import NIOCore
import NIOHTTP1

/// A fully received request, handed to the router once its body is complete.
///
/// A class, immutable: the stages, the router, the handlers and the access log all hold the
/// same one. As a struct (head, headers, body, strings) its copies and their retains were a
/// tenth of a small request's cost.
final class HTTPRequest: Sendable {
    let head: HTTPRequestHead
    let body: ByteBuffer
    let requestID: String
    let remoteAddress: SocketAddress?
    /// The path without its query; the query never reaches a log line. Found once, on bytes:
    /// the router, the access log and the handlers all ask for it.
    let path: String

    init(head: HTTPRequestHead, body: ByteBuffer, requestID: String, remoteAddress: SocketAddress?) {
        self.head = head
        self.body = body
        self.requestID = requestID
        self.remoteAddress = remoteAddress
        let uri = head.uri.utf8
        if let mark = uri.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            path = String(Substring(uri[..<mark]))
        } else {
            path = head.uri
        }
    }

    /// The same request, now with its body.
    init(_ request: HTTPRequest, body: ByteBuffer) {
        head = request.head
        self.body = body
        requestID = request.requestID
        remoteAddress = request.remoteAddress
        path = request.path
    }

    var method: HTTPMethod { head.method }
    var headers: HTTPHeaders { head.headers }

    var query: Substring? {
        guard let mark = head.uri.firstIndex(of: "?") else { return nil }
        return head.uri[head.uri.index(after: mark)...]
    }

    /// Names of the query's parameters (values are not needed, and might be secrets).
    var queryParameterNames: [Substring] {
        guard let query else { return [] }
        return query.split(separator: "&").map { pair in
            pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? pair
        }
    }
}
