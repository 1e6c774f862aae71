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
        /// Lengths count Unicode code points, as JSON Schema does.
        var minLength: Int?
        var maxLength: Int?
        var minimum: Double?
        var maximum: Double?
        /// Characters the whole string may consist of, e.g. `A-Za-z0-9_.-`; rendered as an
        /// anchored `pattern` and checked without a regular-expression engine.
        var allowedCharacters: AllowedCharacters?
        var defaultValue: Value?
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
            if let minLength = property.minLength { schema["minLength"] = .int(minLength) }
            if let maxLength = property.maxLength { schema["maxLength"] = .int(maxLength) }
            if let minimum = property.minimum { schema["minimum"] = Self.number(minimum) }
            if let maximum = property.maximum { schema["maximum"] = Self.number(maximum) }
            if let allowed = property.allowedCharacters { schema["pattern"] = .string(allowed.pattern) }
            if let defaultValue = property.defaultValue { schema["default"] = defaultValue }
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
            guard let value = arguments[property.name] else {
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
            let length = text.unicodeScalars.count
            if let minLength = property.minLength, length < minLength {
                return "must be at least \(minLength) characters"
            }
            if let maxLength = property.maxLength, length > maxLength {
                return "must be at most \(maxLength) characters"
            }
            if let allowed = property.allowedCharacters, !allowed.admits(text) {
                return "may contain only \(allowed.description)"
            }
        case .integer:
            guard let number = Self.integral(value) else { return "must be an integer" }
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
        if let minimum = property.minimum, number < minimum { return "must be at least \(Self.format(minimum))" }
        if let maximum = property.maximum, number > maximum { return "must be at most \(Self.format(maximum))" }
        return nil
    }

    /// JSON Schema counts `2.0` as an integer, so a client's float encoding of a whole number passes.
    static func integral(_ value: Value) -> Double? {
        if let int = value.intValue { return Double(int) }
        if let double = value.doubleValue, double.isFinite, double.rounded() == double { return double }
        return nil
    }

    private static func number(_ value: Double) -> Value {
        value.rounded() == value && abs(value) < 1e15 ? .int(Int(value)) : .double(value)
    }

    private static func format(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
