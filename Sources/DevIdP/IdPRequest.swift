import NIOHTTP1

/// A fully received request, detached from the channel so routes can be plain functions.
struct IdPRequest: Sendable {
    let method: HTTPMethod
    /// The request target without its query string.
    let path: String
    let headers: HTTPHeaders
    let body: [UInt8]
    /// Port of the connection's local end: the server's port, which the issuer URL contains.
    let localPort: Int
    /// The client's IP, reported in tokens as Keycloak does (`clientAddress`).
    let remoteIP: String?

    init(head: HTTPRequestHead, body: [UInt8], localPort: Int, remoteIP: String?) {
        self.method = head.method
        self.path = String(head.uri.prefix { $0 != "?" && $0 != "#" })
        self.headers = head.headers
        self.body = body
        self.localPort = localPort
        self.remoteIP = remoteIP
    }
}

/// What a route produces: a response now, or work that must run off the event loop first.
enum RouteOutcome: Sendable {
    case response(HTTPResult)
    case deferred(@Sendable () async -> HTTPResult)
}
