import Common
import NIOCore
import NIOHTTP1

/// What a route answers; the connection handler adds the common headers and writes it.
struct HTTPResponse: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: ByteBuffer?
    /// Who the request was made by, for the access log.
    var principal: Principal?
    /// What the route adds to the access log line (an MCP method and version, a trace id).
    var logFields = AccessLogFields.none

    init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: ByteBuffer? = nil, principal: Principal? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.principal = principal
    }

    static func json(_ status: HTTPResponseStatus, _ bytes: [UInt8], headers: HTTPHeaders = [:]) -> HTTPResponse {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        return HTTPResponse(status: status, headers: headers, body: ByteBuffer(bytes: bytes))
    }

    static func json<Value: Encodable>(_ status: HTTPResponseStatus, encoding value: Value, headers: HTTPHeaders = [:]) -> HTTPResponse {
        do {
            return json(status, try JSONCoding.encode(value), headers: headers)
        } catch {
            return .error(.internalServerError, code: "internal_error", description: "The response could not be encoded")
        }
    }

    /// A small JSON error body with a stable code and no internals:
    /// `{"error":…,"error_description":…}`, written directly (401s are a hot path too).
    static func error(
        _ status: HTTPResponseStatus, code: String, description: String, headers: HTTPHeaders = [:]
    ) -> HTTPResponse {
        var body = JSONWriter(capacity: 64 + code.utf8.count + description.utf8.count)
        body.raw(#"{"error":"#)
        body.string(code)
        body.raw(#","error_description":"#)
        body.string(description)
        body.raw(UInt8(ascii: "}"))
        return json(status, body.bytes, headers: headers)
    }
}

/// The authenticated caller, as the access log and `whoami` see it.
struct Principal: Sendable, Hashable {
    var subject: String?
    var clientID: String?
}
