import Common
import MCP

/// A `tools/call` reply written straight to JSON bytes: Foundation's Codable encoder was the
/// largest single cost of a tool call. Covers what tools return (text content, structured
/// content, `isError`); a result with other parts (images, annotations, `_meta`) is left to the
/// SDK's own encoding. Keys are sorted, as `JSONCoding` sorts them.
enum ToolReplyJSON {
    /// `{"id":…,"jsonrpc":"2.0","result":{…}}`, or nil when the result needs the SDK's encoding.
    /// With `resultMeta` (JSON of an object), the result is a 2026-07-28 one: it carries that
    /// `_meta` and `resultType`.
    static func encode(_ result: CallTool.Result, id: ID, resultMeta: [UInt8]? = nil) -> [UInt8]? {
        guard result._meta == nil else { return nil }
        var texts: [String] = []
        texts.reserveCapacity(result.content.count)
        for content in result.content {
            guard case .text(let text, nil, nil) = content else { return nil }
            texts.append(text)
        }
        var json = JSONWriter(capacity: 128 + texts.reduce(0) { $0 + 2 * $1.utf8.count })
        json.raw(#"{"id":"#)
        json.id(id)
        json.raw(#","jsonrpc":"2.0","result":{"#)
        if let resultMeta {
            json.raw(#""_meta":"#)
            json.raw(resultMeta)
            json.raw(UInt8(ascii: ","))
        }
        json.raw(#""content":["#)
        for (index, text) in texts.enumerated() {
            if index > 0 { json.raw(UInt8(ascii: ",")) }
            json.raw(#"{"text":"#)
            json.string(text)
            json.raw(#","type":"text"}"#)
        }
        json.raw(UInt8(ascii: "]"))
        if let isError = result.isError {
            json.raw(#","isError":"#)
            json.bool(isError)
        }
        if resultMeta != nil {
            json.raw(#","resultType":"complete""#)
        }
        if let structured = result.structuredContent {
            json.raw(#","structuredContent":"#)
            json.value(structured)
        }
        json.raw("}}")
        return json.bytes
    }
}

extension JSONWriter {
    /// Any MCP value; object keys sorted. Binary data becomes a data URL, as the SDK writes it.
    mutating func value(_ value: Value) {
        switch value {
        case .null: raw("null")
        case .bool(let flag): bool(flag)
        case .int(let integer): number(integer)
        case .double(let double): number(double)
        case .string(let text): string(text)
        case .data(let mimeType, let data): string(data.dataURLEncoded(mimeType: mimeType))
        case .array(let elements):
            raw(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { raw(UInt8(ascii: ",")) }
                self.value(element)
            }
            raw(UInt8(ascii: "]"))
        case .object(let members):
            raw(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { raw(UInt8(ascii: ",")) }
                string(key)
                raw(UInt8(ascii: ":"))
                self.value(members[key]!)
            }
            raw(UInt8(ascii: "}"))
        }
    }
}
