/// Why arguments do not fit a tool's input schema, naming the field.
struct ToolArgumentError: Error, Sendable, Equatable {
    var field: String
    var problem: String

    var message: String { "Invalid arguments: '\(field)' \(problem)" }

    /// RFC 6901 pointer to the offending member of the arguments object.
    var pointer: String {
        "/" + field.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
