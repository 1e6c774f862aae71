import MCP

/// The params of `tools/call`, decoded with the message in one pass (see `JSONRPCEnvelope`).
struct ToolCallRequest: Decodable, Sendable, Equatable {
    var name: String
    var arguments: [String: Value]

    private enum CodingKeys: String, CodingKey {
        case name, arguments
    }

    init(name: String, arguments: [String: Value]) {
        self.name = name
        self.arguments = arguments
    }

    /// Fails unless params has a string `name` and, if present and not null, object `arguments`.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        arguments = try container.decodeIfPresent([String: PlainJSONValue].self, forKey: .arguments)?.mapValues(\.value) ?? [:]
    }
}
