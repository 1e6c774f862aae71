import MCP

/// `notes_list`: the caller's own notes.
struct NotesListTool: ToolDefinition {
    let store: NotesStore

    let name = "notes_list"
    let title = "List your notes"
    let description = "Lists your notes (ids and texts, sorted by id): only those saved with notes_put under your own subject."
    let requiredScope = "mcp:read"
    let inputSchema = ToolInputSchema.empty
    let outputSchema = JSONSchema.object([
        "notes": JSONSchema.array(
            of: JSONSchema.object([
                "id": JSONSchema.string(description: "The note's id."),
                "text": JSONSchema.string(description: "The note's text."),
            ]),
            description: "Your notes, sorted by id."),
        "count": JSONSchema.integer(description: "How many notes you have."),
    ])

    func invoke(_ arguments: [String: Value], context: ToolCallContext) -> ToolOutcome {
        let store = self.store
        return NotesToolSupport.run(context) { subject in
            let notes = try await store.list(subject: subject)
            let text = notes.isEmpty ? "No notes" : notes.map { "\($0.id): \($0.text)" }.joined(separator: "\n")
            let items: [Value] = notes.map { ["id": .string($0.id), "text": .string($0.text)] }
            return .structured(text, ["notes": .array(items), "count": .int(notes.count)])
        }
    }
}
