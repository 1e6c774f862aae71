import NIOHTTP1

/// A complete response, produced by the routes and written by `IdPHTTPHandler`.
struct HTTPResult: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: [UInt8]

    /// Every body this server sends is JSON.
    static func json(_ value: JSONValue, status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:]) -> HTTPResult {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        return HTTPResult(status: status, headers: headers, body: value.bytes)
    }

    /// Non-OAuth failures (unknown path, wrong method, simulated outage) in the same JSON shape.
    static func error(
        _ status: HTTPResponseStatus, _ code: String, _ description: String, headers: HTTPHeaders = [:]
    ) -> HTTPResult {
        .json(["error": .string(code), "error_description": .string(description)], status: status, headers: headers)
    }

    static func notFound() -> HTTPResult {
        .error(.notFound, "not_found", "No resource at this path")
    }

    static func methodNotAllowed(allowed: [HTTPMethod]) -> HTTPResult {
        .error(
            .methodNotAllowed, "method_not_allowed", "Method not allowed",
            headers: ["Allow": allowed.map(\.rawValue).joined(separator: ", ")]
        )
    }
}
