/// The tools this worker serves, looked up by name; one registry feeds MCP and REST.
struct ToolRegistry: Sendable {
    private let tools: [String: any ToolDefinition]
    let ordered: [any ToolDefinition]

    init(_ tools: [any ToolDefinition]) {
        self.ordered = tools
        self.tools = Dictionary(uniqueKeysWithValues: tools.map { ($0.name, $0) })
    }

    /// The tools that need nothing but the worker itself.
    static let standard = ToolRegistry([EchoTool(), TimestampTool(), WhoamiTool(), SummarizeTool()])

    /// The standard tools, plus the notes tools when there is a store for them: without Redis they
    /// are not offered at all rather than offered and always failing.
    static func forWorker(notes: NotesStore?) -> ToolRegistry {
        guard let notes else { return standard }
        return ToolRegistry(standard.ordered + [NotesPutTool(store: notes), NotesListTool(store: notes), NotesDeleteTool(store: notes)])
    }

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
