import MCP

/// `notes_delete`: removes one of the caller's notes.
struct NotesDeleteTool: ToolDefinition {
    let store: NotesStore

    let name = "notes_delete"
    let title = "Delete a note"
    let description = "Deletes your note with the given id. Deleting an id you do not have is not an error: 'deleted' is then false."
    let requiredScope = "mcp:write"
    let annotations = Tool.Annotations(readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false)
    let inputSchema = ToolInputSchema(properties: [NotesToolSupport.idProperty])
    let outputSchema = JSONSchema.object([
        "id": JSONSchema.string(description: "The id asked for."),
        "deleted": JSONSchema.boolean(description: "True when the note existed and is now gone."),
    ])

    func invoke(_ arguments: [String: Value], context: ToolCallContext) -> ToolOutcome {
        let id = arguments["id"]?.stringValue ?? ""
        let store = self.store
        return NotesToolSupport.run(context) { subject in
            let deleted = try await store.delete(subject: subject, id: id)
            return .structured(deleted ? "Deleted note '\(id)'" : "No note '\(id)'", ["id": .string(id), "deleted": .bool(deleted)])
        }
    }
}
