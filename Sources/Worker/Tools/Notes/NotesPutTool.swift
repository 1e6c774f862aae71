import MCP

/// `notes_put`: stores a short note under the caller's subject, replacing one with the same id.
struct NotesPutTool: ToolDefinition {
    let store: NotesStore

    let name = "notes_put"
    let title = "Save a note"
    let description = """
        Saves a short text note under an id of your choice, visible only to the same subject (you). \
        An existing note with that id is replaced. At most \(NotesStore.maxNotes) notes of up to \
        \(NotesStore.maxTextLength) characters each; delete notes you no longer need with notes_delete.
        """
    let requiredScope = "mcp:write"
    let annotations = Tool.Annotations(readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false)
    let inputSchema = ToolInputSchema(properties: [
        NotesToolSupport.idProperty,
        .init(name: "text", type: .string,
              description: "The note (1 to \(NotesStore.maxTextLength) characters).",
              required: true, minLength: 1, maxLength: NotesStore.maxTextLength),
    ])
    let outputSchema = JSONSchema.object([
        "id": JSONSchema.string(description: "The note's id."),
        "created": JSONSchema.boolean(description: "True for a new note, false when one with this id was replaced."),
        "count": JSONSchema.integer(description: "How many notes you have now."),
    ])

    func invoke(_ arguments: [String: Value], context: ToolCallContext) -> ToolOutcome {
        let id = arguments["id"]?.stringValue ?? ""
        let text = arguments["text"]?.stringValue ?? ""
        let store = self.store
        return NotesToolSupport.run(context) { subject in
            switch try await store.put(subject: subject, id: id, text: text) {
            case .full:
                return .toolError("You already have \(NotesStore.maxNotes) notes; delete one with notes_delete before adding another")
            case .created(let count):
                return .structured("Saved new note '\(id)' (\(count) notes)", ["id": .string(id), "created": true, "count": .int(count)])
            case .replaced(let count):
                return .structured("Replaced note '\(id)' (\(count) notes)", ["id": .string(id), "created": false, "count": .int(count)])
            }
        }
    }
}
