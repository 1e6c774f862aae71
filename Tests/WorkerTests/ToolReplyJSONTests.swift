import Foundation
import MCP
import Testing

@testable import Worker

@Suite struct ToolReplyJSONTests {
    /// A JSON-RPC reply through Codable, as the SDK's types encode it.
    private struct CodableReply: Encodable {
        var id: ID
        var jsonrpc = "2.0"
        var result: CallTool.Result
    }

    /// What the SDK's Codable encoding writes for the same reply.
    private func codable(_ result: CallTool.Result, id: ID) throws -> [UInt8] {
        try JSONCoding.encode(CodableReply(id: id, result: result))
    }

    private func parsed(_ bytes: [UInt8]) throws -> Value {
        try #require(PlainJSONValue.decode(bytes))
    }

    static let results: [CallTool.Result] = [
        CallTool.Result(content: [.text(text: "hello", annotations: nil, _meta: nil)]),
        CallTool.Result(content: [.text(text: "quote \" backslash \\ newline \n tab \t bell \u{07} é ✓ </script>", annotations: nil, _meta: nil)],
                        structuredContent: ["message": "x"] as Value?),
        CallTool.Result(content: [.text(text: "a", annotations: nil, _meta: nil), .text(text: "b", annotations: nil, _meta: nil)],
                        isError: true),
        CallTool.Result(content: [], structuredContent: .object([
            "z": .int(-3), "a": .double(1.5), "nested": .array([.null, .bool(false), .object(["k": "v"])]), "big": .double(1e21),
        ]), isError: false),
    ]

    @Test(arguments: results)
    func matchesTheSDKsEncoding(_ result: CallTool.Result) throws {
        for id in [ID.number(7), ID.string("req-\"1\"")] {
            let fast = try #require(ToolReplyJSON.encode(result, id: id))
            #expect(try parsed(fast) == parsed(codable(result, id: id)))
        }
    }

    @Test func keysAreSortedLikeJSONCoding() throws {
        let result = CallTool.Result(content: [.text(text: "hi", annotations: nil, _meta: nil)],
                                     structuredContent: .object(["b": 1, "a": 2]), isError: false)
        let fast = String(decoding: try #require(ToolReplyJSON.encode(result, id: .number(1))), as: UTF8.self)
        #expect(fast == #"{"id":1,"jsonrpc":"2.0","result":{"content":[{"text":"hi","type":"text"}],"isError":false,"structuredContent":{"a":2,"b":1}}}"#)
        #expect(fast == String(decoding: try codable(result, id: .number(1)), as: UTF8.self))
    }

    /// 2026-07-28: the same reply plus `_meta` and `resultType`, keys still in order.
    @Test func modernRepliesCarryTheirMetaAndResultType() throws {
        let result = CallTool.Result(content: [.text(text: "hi", annotations: nil, _meta: nil)], structuredContent: ["a": 1] as Value?, isError: false)
        let fast = String(decoding: try #require(ToolReplyJSON.encode(result, id: .string("x"), resultMeta: Array(#"{"k":"v"}"#.utf8))), as: UTF8.self)
        #expect(fast == #"{"id":"x","jsonrpc":"2.0","result":{"_meta":{"k":"v"},"content":[{"text":"hi","type":"text"}],"isError":false,"resultType":"complete","structuredContent":{"a":1}}}"#)
    }

    @Test func resultsWithOtherPartsAreLeftToTheSDK() {
        let image = CallTool.Result(content: [.image(data: "AAAA", mimeType: "image/png", annotations: nil, _meta: nil)])
        #expect(ToolReplyJSON.encode(image, id: .number(1)) == nil)
        let annotated = CallTool.Result(content: [.text(text: "x", annotations: .init(audience: [.user]), _meta: nil)])
        #expect(ToolReplyJSON.encode(annotated, id: .number(1)) == nil)
    }
}
