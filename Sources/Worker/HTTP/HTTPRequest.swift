import NIOCore
import NIOHTTP1

/// A fully received request, handed to the router once its body is complete.
struct HTTPRequest: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer
    var requestID: String
    var remoteAddress: SocketAddress?

    var method: HTTPMethod { head.method }
    var headers: HTTPHeaders { head.headers }

    /// The path without its query; the query never reaches a log line.
    var path: String {
        let uri = head.uri
        guard let mark = uri.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return uri }
        return String(uri[..<mark])
    }

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
