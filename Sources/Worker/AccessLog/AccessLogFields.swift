/// What a route adds to its access line, typed: the MCP endpoint's version, method, tool and
/// trace context. Typed rather than a metadata dictionary, so a request that carries them
/// builds no dictionary and the metrics read them without a lookup.
struct AccessLogFields: Sendable, Equatable {
    var mcpVersion: String?
    var mcpMethod: String?
    var mcpTool: String?
    var traceparent: String?

    static let none = AccessLogFields()
}
