import MCP

/// Decides the answer to one JSON-RPC request for an authenticated caller, statelessly: which
/// methods each era knows and what they return. How the answer is written is the era's renderer's.
struct MCPDispatcher: Sendable {
    enum Answer: Sendable {
        case result([String: Value])
        case error(JSONRPCError)
        case toolCall(Eventually<ToolCallResult>)
    }

    var invoker: ToolInvoker
    /// `{"name","title","version"}` of this server.
    var serverInfo: Value
    var instructions: String
    /// `tools/list` shows every tool (each with its scope in `_meta`), not only the caller's.
    var listsAllTools = false

    /// How long a client may reuse `tools/list` and `server/discover` (2026-07-28 caching): the
    /// lists change only when the operator redeploys.
    static let cacheTimeToLiveMilliseconds = 300_000
    static let capabilities: Value = ["tools": ["listChanged": false]]

    func answer(method: String, params: MessageParams?, era: MCPEra, caller: AccessToken, context: RequestContext) -> Answer {
        switch (era, method) {
        case (.legacy, "initialize"):
            guard let requested = params?.protocolVersion else { return .error(.invalidParams("initialize params are malformed")) }
            return .result([
                "protocolVersion": .string(MCPProtocolVersion.negotiate(requested)),
                "capabilities": Self.capabilities, "serverInfo": serverInfo, "instructions": .string(instructions),
            ])
        case (.legacy, "ping"):
            return .result([:])
        case (.modern, "server/discover"):
            return .result([
                "supportedVersions": .array(MCPProtocolVersion.supported.map(Value.string)),
                "capabilities": Self.capabilities, "instructions": .string(instructions),
                "ttlMs": .int(Self.cacheTimeToLiveMilliseconds), "cacheScope": "public",
            ])
        case (_, "tools/list"):
            return .result(listing(for: caller, era: era))
        case (_, "tools/call"):
            guard let params, let name = params.name, !params.argumentsMalformed else {
                return .error(.invalidParams("tools/call needs a string name and object arguments"))
            }
            return .toolCall(invoker.call(name, arguments: params.arguments, caller: caller, context: context))
        default:
            return .error(.methodNotFound(method))
        }
    }

    /// The caller's tools (or all, with their scopes), ordered by name so that a client's
    /// cache and a model's prompt cache see the same list each time.
    private func listing(for caller: AccessToken, era: MCPEra) -> [String: Value] {
        let tools = listsAllTools ? invoker.tools.ordered : invoker.tools.allowed(for: caller)
        var result: [String: Value] = ["tools": .array(tools.sorted { $0.name < $1.name }.map(\.descriptor))]
        if era == .modern {
            result["ttlMs"] = .int(Self.cacheTimeToLiveMilliseconds)
            // Filtered by the caller's scopes, the list is theirs: no shared cache may reuse it.
            result["cacheScope"] = listsAllTools ? "public" : "private"
        }
        return result
    }
}
