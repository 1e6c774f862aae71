import MCP

/// Decodes any JSON value into the SDK's `Value` without the SDK's own decoding, which turns a
/// string that looks like a `data:` URL into binary data (changing what a tool receives) and
/// compiles a regular expression for every string it meets (a fifth of a tools/call's CPU).
/// Strings are tried first because tool arguments are mostly strings; each failed attempt costs
/// a thrown error.
struct PlainJSONValue: Decodable, Sendable {
    let value: Value

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            value = .string(text)
        } else if container.decodeNil() {
            value = .null
        } else if let object = try? container.decode([String: PlainJSONValue].self) {
            value = .object(object.mapValues(\.value))
        } else if let array = try? container.decode([PlainJSONValue].self) {
            value = .array(array.map(\.value))
        } else if let flag = try? container.decode(Bool.self) {
            value = .bool(flag)
        } else if let integer = try? container.decode(Int.self) {
            value = .int(integer)
        } else {
            value = .double(try container.decode(Double.self))
        }
    }
}
