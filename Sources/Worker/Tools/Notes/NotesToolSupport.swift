import Common
import MCP
import NIOCore

/// What the three notes tools share: the caller's subject as the owner, the input fields, and
/// running the Redis work off the event loop with outages turned into `ToolUnavailable`.
enum NotesToolSupport {
    static let idProperty = ToolInputSchema.Property(
        name: "id", type: .string,
        description: "The note's name, chosen by you: 1 to \(NotesStore.maxIDLength) ASCII letters, digits, '.', '_' or '-'.",
        required: true, minLength: 1, maxLength: NotesStore.maxIDLength, allowedCharacters: .identifier)

    /// Runs `work` for the caller's subject; a token without `sub` gets a tool error.
    static func run(
        _ context: ToolCallContext, _ work: @escaping @Sendable (_ subject: String) async throws -> CallTool.Result
    ) -> ToolOutcome {
        guard let subject = context.token.subject, !subject.isEmpty else {
            return .completed(.toolError("Notes belong to a subject, and this access token has no 'sub' claim"))
        }
        return .deferred { eventLoop in
            eventLoop.makeFutureWithTask {
                do {
                    return try await work(subject)
                } catch {
                    throw ToolUnavailable(message: "The notes storage is unavailable right now; try again shortly")
                }
            }
        }
    }
}
