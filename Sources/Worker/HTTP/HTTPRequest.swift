import NIOCore
import NIOHTTP1

/// A fully received request, handed to the router once its body is complete.
struct HTTPRequest: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer
    var requestID: String
    var remoteAddress: SocketAddress?
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
