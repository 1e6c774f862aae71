import MCP

/// Tool arguments read from a JSON document (a REST body). The one decoder for arguments on
/// every route is `PlainJSONValue`, which MCP also uses inside the message: a string stays
/// the string the client sent.
enum ToolArguments {
    enum Problem: Error, Sendable, Equatable {
        /// Not parseable JSON.
        case malformed
        /// JSON, but not an object.
        case notAnObject
    }

    /// An empty (or all-whitespace) body: no arguments, whatever its media type says.
    static func isAbsent(_ json: some Collection<UInt8>) -> Bool {
        json.allSatisfy(isWhitespace)
    }

    static func decode(_ json: some Collection<UInt8>) -> Result<[String: Value], Problem> {
        if isAbsent(json) { return .success([:]) }
        guard let value = PlainJSONValue.decode(json) else {
            return .failure(.malformed)
        }
        guard case .object(let arguments) = value else { return .failure(.notAnObject) }
        return .success(arguments)
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }
}
