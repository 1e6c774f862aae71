import MCP
import Testing
@testable import Worker

@Suite("ToolInputSchema")
struct ToolInputSchemaTests {
    let schema = ToolInputSchema(properties: [
        .init(name: "id", type: .string, description: "id", required: true, minLength: 1, maxLength: 8,
              allowedCharacters: .identifier),
        .init(name: "count", type: .integer, description: "count", minimum: 1, maximum: 20),
        .init(name: "ratio", type: .number, description: "ratio", maximum: 1.5),
        .init(name: "loud", type: .boolean, description: "loud"),
        .init(name: "a/b~c", type: .string, description: "odd name"),
    ])

    func problem(_ arguments: [String: Value]) -> ToolArgumentError? { schema.validate(arguments) }

    @Test func acceptsWhatTheSchemaAllows() {
        #expect(problem(["id": "n-1.a_B"]) == nil)
        #expect(problem(["id": "x", "count": 20, "ratio": 1.5, "loud": true]) == nil)
        // JSON Schema counts 3.0 as an integer.
        #expect(problem(["id": "x", "count": .double(3.0)]) == nil)
    }

    @Test func namesTheFieldAndPointsAtIt() {
        let missing = problem([:])
        #expect(missing == ToolArgumentError(field: "id", problem: "is required"))
        #expect(missing?.pointer == "/id")
        #expect(missing?.message == "Invalid arguments: 'id' is required")
        #expect(problem(["id": 5])?.problem == "must be a string")
        #expect(problem(["id": .null])?.problem == "must be a string")
        #expect(problem(["id": ""])?.problem == "must be at least 1 characters")
        #expect(problem(["id": "123456789"])?.problem == "must be at most 8 characters")
        #expect(problem(["id": "a b"])?.problem == "may contain only ASCII letters, digits, '.', '_' and '-'")
        #expect(problem(["id": "é"])?.field == "id")
        #expect(problem(["id": "x", "count": 0]) == ToolArgumentError(field: "count", problem: "must be at least 1"))
        #expect(problem(["id": "x", "count": 21])?.problem == "must be at most 20")
        #expect(problem(["id": "x", "count": 2.5])?.problem == "must be an integer")
        #expect(problem(["id": "x", "count": "2"])?.problem == "must be an integer")
        #expect(problem(["id": "x", "ratio": 2])?.problem == "must be at most 1.5")
        #expect(problem(["id": "x", "loud": "yes"])?.problem == "must be a boolean")
        #expect(problem(["id": "x", "extra": 1]) == ToolArgumentError(field: "extra", problem: "is not a known argument"))
        // RFC 6901 escapes.
        #expect(problem(["id": "x", "a/b~c": 1])?.pointer == "/a~1b~0c")
    }

    @Test func lengthsCountCodePointsLikeJSONSchema() {
        // Four code points, one grapheme cluster: over a maxLength of 3.
        let short = ToolInputSchema(properties: [.init(name: "t", type: .string, description: "t", maxLength: 3)])
        #expect(short.validate(["t": .string("e\u{301}\u{301}\u{301}")])?.problem == "must be at most 3 characters")
        #expect(short.validate(["t": .string("éé")]) == nil)
    }

    @Test func rendersJSONSchema() throws {
        let rendered = try #require(schema.jsonSchema.objectValue)
        #expect(rendered["additionalProperties"] == false)
        #expect(rendered["required"] == ["id"])
        let id = try #require(rendered["properties"]?.objectValue?["id"]?.objectValue)
        #expect(id["pattern"] == "^[A-Za-z0-9._-]*$")
        #expect(id["minLength"] == 1)
        #expect(id["maxLength"] == 8)
        let count = try #require(rendered["properties"]?.objectValue?["count"]?.objectValue)
        #expect(count["minimum"] == 1)
        #expect(count["maximum"] == 20)
    }
}
