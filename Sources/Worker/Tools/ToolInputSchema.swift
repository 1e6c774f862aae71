import MCP

/// The JSON Schema subset tool inputs use: an object of typed, bounded properties. Kept as a
/// type (not raw JSON) so the same description both renders the schema and validates calls.
struct ToolInputSchema: Sendable {
    enum PropertyType: String, Sendable {
        case string, integer, number, boolean
    }

    struct Property: Sendable {
        var name: String
        var type: PropertyType
        var description: String
        var required: Bool = false
        var maxLength: Int?
        var minimum: Double?
        var maximum: Double?
    }

    var properties: [Property]

    static let empty = ToolInputSchema(properties: [])

    /// JSON Schema 2020-12, as MCP's `inputSchema` expects.
    var jsonSchema: Value {
        var properties: [String: Value] = [:]
        for property in self.properties {
            var schema: [String: Value] = [
                "type": .string(property.type.rawValue), "description": .string(property.description),
            ]
            if let maxLength = property.maxLength { schema["maxLength"] = .int(maxLength) }
            if let minimum = property.minimum { schema["minimum"] = .double(minimum) }
            if let maximum = property.maximum { schema["maximum"] = .double(maximum) }
            properties[property.name] = .object(schema)
        }
        return .object([
            "type": "object",
            "properties": .object(properties),
            "required": .array(self.properties.filter(\.required).map { .string($0.name) }),
            "additionalProperties": false,
        ])
    }

    /// Checks arguments against the schema; the error names the offending field.
    func validate(_ arguments: [String: Value]) -> ToolArgumentError? {
        let known = Set(properties.map(\.name))
        if let unknown = arguments.keys.sorted().first(where: { !known.contains($0) }) {
            return ToolArgumentError(field: unknown, problem: "is not a known argument")
        }
        for property in properties {
            guard let value = arguments[property.name], !value.isNull else {
                if property.required { return ToolArgumentError(field: property.name, problem: "is required") }
                continue
            }
            if let problem = check(value, against: property) {
                return ToolArgumentError(field: property.name, problem: problem)
            }
        }
        return nil
    }

    private func check(_ value: Value, against property: Property) -> String? {
        switch property.type {
        case .string:
            guard let text = value.stringValue else { return "must be a string" }
            if let maxLength = property.maxLength, text.count > maxLength {
                return "must be at most \(maxLength) characters"
            }
        case .integer:
            guard let number = value.intValue.map(Double.init) else { return "must be an integer" }
            return checkRange(number, property)
        case .number:
            guard let number = value.doubleValue ?? value.intValue.map(Double.init) else { return "must be a number" }
            return checkRange(number, property)
        case .boolean:
            guard value.boolValue != nil else { return "must be a boolean" }
        }
        return nil
    }

    private func checkRange(_ number: Double, _ property: Property) -> String? {
        if let minimum = property.minimum, number < minimum { return "must be at least \(minimum)" }
        if let maximum = property.maximum, number > maximum { return "must be at most \(maximum)" }
        return nil
    }
}

struct ToolArgumentError: Error, Sendable, Equatable {
    var field: String
    var problem: String

    var message: String { "Invalid arguments: '\(field)' \(problem)" }
}
