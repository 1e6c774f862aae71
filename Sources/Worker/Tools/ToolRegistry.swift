/// The tools this worker serves, looked up by name; one registry feeds MCP (and later REST).
struct ToolRegistry: Sendable {
    private let tools: [String: any ToolDefinition]
    let ordered: [any ToolDefinition]

    init(_ tools: [any ToolDefinition]) {
        self.ordered = tools
        self.tools = Dictionary(uniqueKeysWithValues: tools.map { ($0.name, $0) })
    }

    static let standard = ToolRegistry([EchoTool(), TimestampTool(), WhoamiTool()])

    subscript(name: String) -> (any ToolDefinition)? { tools[name] }

    /// The tools a token's scopes allow it to call.
    func allowed(for token: AccessToken) -> [any ToolDefinition] {
        ordered.filter { token.grants($0.requiredScope) }
    }

    /// Every scope some tool needs, for challenges and metadata.
    var scopes: [String] {
        var seen: [String] = []
        for tool in ordered where !seen.contains(tool.requiredScope) { seen.append(tool.requiredScope) }
        return seen
    }
}
