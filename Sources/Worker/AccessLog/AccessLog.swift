import Common
import Glibc
import Logging
import NIOCore

/// One line per request: method, path (never the query), status, duration, request id and,
/// when authenticated, the subject and client; the route's own fields (`AccessLogFields`).
///
/// The line is the JSON object the log handler writes for every other event, with the same
/// fields in the same (sorted) order and every string through the secret redactor, but it is
/// rendered straight into its event loop's `AccessLogBuffer`: no metadata dictionary, no sort,
/// and one `write(2)` per loop tick for all the lines of that tick instead of one per line.
struct AccessLog: Sendable {
    /// The logger's level decides whether access lines are written, as for any `info` line.
    var isEnabled: Bool
    var label: String
    var processID: Int32

    init(logger: Logger, label: String = "gatehouse.worker", processID: Int32 = getpid()) {
        isEnabled = logger.logLevel <= .info
        self.label = label
        self.processID = processID
    }

    func record(request: HTTPRequest, response: HTTPResponse, duration: TimeAmount, into buffer: AccessLogBuffer) {
        guard isEnabled else { return }
        buffer.appendLine { line in
            line.raw(#"{"ts":"#)
            line.timestamp()
            line.raw(#","level":"info","logger":"#)
            line.string(label)
            line.raw(#","msg":"request","pid":"#)
            line.integer(Int(processID))
            // The remaining fields in key order, as the log handler sorts them.
            let fields = response.logFields
            if let client = response.principal?.clientID { line.field("client_id", client) }
            line.raw(#","duration_ms":"#)
            line.raw(Double(duration.nanoseconds / 1000) / 1000)
            line.raw(#","event":"http.request""#)
            if let method = fields.mcpMethod { line.field("mcp_method", method) }
            if let tool = fields.mcpTool { line.field("mcp_tool", tool) }
            if let version = fields.mcpVersion { line.field("mcp_version", version) }
            line.field("method", request.method.rawValue)
            line.field("path", request.path.utf8.count <= 256 ? request.path : String(request.path.prefix(256)))
            if let remote = request.remoteAddress?.ipAddress { line.field("remote", remote) }
            line.field("request_id", request.requestID)
            line.raw(#","status":"#)
            line.integer(Int(response.status.code))
            if let subject = response.principal?.subject { line.field("sub", subject) }
            if let traceparent = fields.traceparent { line.field("traceparent", traceparent) }
            line.raw("}\n")
        }
    }
}
