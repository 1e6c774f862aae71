import NIOCore
import Prometheus

/// What one worker counts, in a Prometheus registry whose text it sends the supervisor with
/// its heartbeats (the supervisor serves the fleet's sum). Every label takes its value from a
/// fixed set (routes, status classes, refusal reasons, tools, outcomes): nothing from a request
/// (a path, a subject, a token) becomes a label. The handles are made up front, so counting on
/// the hot path is a lookup in an array and an atomic add.
final class WorkerMetrics: Sendable {
    /// Where a request went, as a label.
    enum Route: String, CaseIterable, Sendable {
        case mcp, toolsList = "tools_list", toolCall = "tool_call", metadata, health, openapi, docs, other
    }

    /// The timed operations.
    enum Operation: String, CaseIterable, Sendable {
        case mcpToolCall = "mcp_tools_call", restToolCall = "rest_tool_call", unauthorized
    }

    enum ToolOutcome: String, CaseIterable, Sendable {
        case success, toolError = "tool_error", invalidArguments = "invalid_arguments", unavailable, unknownTool = "unknown_tool"
    }

    static let statusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"]
    /// Reasons a token (or its absence) is refused, beyond `TokenRejection`'s.
    static let refusalReasons = TokenRejection.allCases.map(\.code) + ["missing_token", "invalid_request", "token_in_query", "keys_unavailable"]
    /// From 1 ms to 10 s: a tool call, a refusal, a refresh-bound request.
    static let durationBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2.5), .seconds(5), .seconds(10),
    ]

    let registry: PrometheusCollectorRegistry
    let cache: CacheMetrics
    private let requests: [Route: [Counter]]
    private let durations: [Operation: DurationHistogram]
    private let refusals: [String: Counter]
    private let accepted: [Bool: Counter]
    private let denials: [String: Counter]
    private let toolCalls: [String: [ToolOutcome: Counter]]
    private let unknownToolCalls: Counter
    let connections: Gauge
    let keySetAge: Gauge
    /// Only with a shared cache configured: an alert on "Redis down" has nothing to say otherwise.
    let redisUp: Gauge?
    let tokenCacheEntries: Gauge

    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), tools: [String], usesRedis: Bool = false) {
        self.registry = registry
        cache = CacheMetrics(registry: registry)
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "gatehouse", metricName: metric, unitName: unit, helpText: help)
        }
        let requestsName = name("http_requests", "total", "HTTP requests answered, by route and status class.")
        requests = Dictionary(uniqueKeysWithValues: Route.allCases.map { route in
            (route, Self.statusClasses.map { registry.makeCounter(descriptor: requestsName, labels: [("route", route.rawValue), ("status_class", $0)]) })
        })
        let durationName = name("request_duration", "seconds", "Time from request head to answer: tools/call over MCP, tool calls over REST, and 401 refusals.")
        durations = Dictionary(uniqueKeysWithValues: Operation.allCases.map { operation in
            (operation, registry.makeDurationHistogram(descriptor: durationName, labels: [("operation", operation.rawValue)], buckets: Self.durationBuckets))
        })
        let refusalName = name("auth_refusals", "total", "Requests refused by authentication, by reason (no token, expired, bad signature, unknown kid, audience, issuer, ...).")
        refusals = Dictionary(uniqueKeysWithValues: Self.refusalReasons.map { ($0, registry.makeCounter(descriptor: refusalName, labels: [("reason", $0)])) })
        let acceptedName = name("auth_accepted", "total", "Requests whose token was accepted, verified now or found in the verified-token cache.")
        accepted = [
            true: registry.makeCounter(descriptor: acceptedName, labels: [("source", "cache")]),
            false: registry.makeCounter(descriptor: acceptedName, labels: [("source", "verified")]),
        ]
        let denialName = name("scope_denials", "total", "Tool calls refused for a missing scope (403 step-up), by tool.")
        denials = Dictionary(uniqueKeysWithValues: tools.map { ($0, registry.makeCounter(descriptor: denialName, labels: [("tool", $0)])) })
        let toolName = name("tool_calls", "total", "Tool calls that reached a tool (or named none), by tool and outcome.")
        toolCalls = Dictionary(uniqueKeysWithValues: tools.map { tool in
            (tool, Dictionary(uniqueKeysWithValues: ToolOutcome.allCases.filter { $0 != .unknownTool }.map { outcome in
                (outcome, registry.makeCounter(descriptor: toolName, labels: [("tool", tool), ("outcome", outcome.rawValue)]))
            }))
        })
        unknownToolCalls = registry.makeCounter(descriptor: toolName, labels: [("tool", "_unknown"), ("outcome", ToolOutcome.unknownTool.rawValue)])
        connections = registry.makeGauge(descriptor: name("http_connections", "", "Open client connections."), labels: [])
        keySetAge = registry.makeGauge(descriptor: name("jwks_key_set_age", "seconds", "Age of the key set in use: since the provider served it."), labels: [])
        redisUp = usesRedis
            ? registry.makeGauge(descriptor: name("redis_up", "", "1 when the shared cache in Redis is reachable, 0 while the worker does without it."), labels: [])
            : nil
        tokenCacheEntries = registry.makeGauge(descriptor: name("token_cache_entries", "", "Verified tokens held in the cache."), labels: [])
    }

    func requestAnswered(route: Route, status: UInt) {
        let index = min(max(Int(status / 100) - 1, 0), Self.statusClasses.count - 1)
        requests[route]?[index].increment()
    }

    func timed(_ operation: Operation, _ duration: Duration) {
        durations[operation]?.record(duration)
    }

    func refused(reason: String) {
        refusals[reason]?.increment()
    }

    func accepted(fromCache: Bool) {
        accepted[fromCache]?.increment()
    }

    func scopeDenied(tool: String) {
        denials[tool]?.increment()
    }

    func toolCalled(_ tool: String, outcome: ToolOutcome) {
        if outcome == .unknownTool || toolCalls[tool] == nil {
            unknownToolCalls.increment()
        } else {
            toolCalls[tool]?[outcome]?.increment()
        }
    }

    /// Counts an answer by route and status class, and times the operations worth a histogram.
    func answered(request: HTTPRequest, response: HTTPResponse, duration: TimeAmount, resourcePath: String) {
        let route = Self.route(of: request.path, resourcePath: resourcePath)
        requestAnswered(route: route, status: response.status.code)
        let elapsed = Duration.nanoseconds(duration.nanoseconds)
        if response.status == .unauthorized {
            timed(.unauthorized, elapsed)
        } else if route == .toolCall {
            timed(.restToolCall, elapsed)
        } else if route == .mcp, response.logFields.mcpMethod == "tools/call" {
            timed(.mcpToolCall, elapsed)
        }
    }

    /// The registry as Prometheus text, for the heartbeat.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    /// The route label of a request path; `resourcePath` is where MCP is served besides `/mcp`.
    static func route(of path: String, resourcePath: String) -> Route {
        switch path {
        case "/mcp", resourcePath: return .mcp
        case "/tools": return .toolsList
        case "/healthz", "/readyz": return .health
        case "/openapi.json": return .openapi
        case "/docs": return .docs
        default:
            if path.hasPrefix("/tools/") { return .toolCall }
            if path.hasPrefix("/.well-known/") { return .metadata }
            return .other
        }
    }
}
