import MCP

/// Small builders for the JSON Schemas of tool results (`outputSchema`), so each tool states its
/// output in a few readable lines.
enum JSONSchema {
    /// An object whose listed properties are all present and nothing else is.
    static func object(_ properties: [String: Value], description: String? = nil) -> Value {
        var schema: [String: Value] = [
            "type": "object",
            "properties": .object(properties),
            "required": .array(properties.keys.sorted().map(Value.string)),
            "additionalProperties": false,
        ]
        if let description { schema["description"] = .string(description) }
        return .object(schema)
    }

    static func string(description: String) -> Value {
        ["type": "string", "description": .string(description)]
    }

    static func integer(description: String, minimum: Int? = 0) -> Value {
        var schema: [String: Value] = ["type": "integer", "description": .string(description)]
        if let minimum { schema["minimum"] = .int(minimum) }
        return .object(schema)
    }

    static func number(description: String) -> Value {
        ["type": "number", "minimum": 0, "description": .string(description)]
    }

    static func boolean(description: String) -> Value {
        ["type": "boolean", "description": .string(description)]
    }

    static func array(of items: Value, description: String) -> Value {
        ["type": "array", "items": items, "description": .string(description)]
    }

    /// The schema, or null: JSON Schema 2020-12 type arrays (`["string", "null"]`).
    static func nullable(_ schema: Value) -> Value {
        guard case .object(var fields) = schema, let type = fields["type"] else { return schema }
        fields["type"] = .array([type, "null"])
        return .object(fields)
    }
}
