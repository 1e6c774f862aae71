import NIOHTTP1

/// CORS for browser-based MCP clients from `GATEHOUSE_ALLOWED_ORIGINS` (the origin has been
/// checked before these are used). Credentials travel in `Authorization`, never cookies.
enum CORS {
    static func preflight(origin: String) -> HTTPResponse {
        var headers: HTTPHeaders = [
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Session-Id, Last-Event-ID, X-Request-ID",
            "Access-Control-Max-Age": "600",
        ]
        allow(origin: origin, in: &headers)
        return HTTPResponse(status: .noContent, headers: headers)
    }

    /// The response with the CORS headers a browser needs to read it, when it came from one.
    static func allowing(_ origin: String?, _ response: HTTPResponse) -> HTTPResponse {
        guard let origin else { return response }
        var response = response
        allow(origin: origin, in: &response.headers)
        return response
    }

    static func allow(origin: String, in headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: "Access-Control-Allow-Origin", value: origin)
        headers.replaceOrAdd(name: "Access-Control-Expose-Headers", value: "WWW-Authenticate, MCP-Protocol-Version, Mcp-Session-Id, X-Request-ID")
        headers.add(name: "Vary", value: "Origin")
    }
}
