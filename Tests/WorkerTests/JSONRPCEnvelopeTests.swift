import Foundation
import MCP
import Testing

@testable import Worker

@Suite struct JSONRPCEnvelopeTests {
    private func envelope(_ json: String) throws -> JSONRPCEnvelope {
        try JSONDecoder().decode(JSONRPCEnvelope.self, from: Data(json.utf8))
    }

    @Test func toolCallParamsComeFromTheOnePass() throws {
        let message = try envelope(#"""
            {"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo",
             "arguments":{"message":"data:text/plain;base64,aGVsbG8=","n":3,"x":1.5,"ok":true,"none":null,
                          "list":["a",1],"nested":{"k":"v"}}}}
            """#)
        #expect(message.kind == .request(.number(7), method: "tools/call"))
        let call = try #require(message.toolCall)
        #expect(call.name == "echo")
        // A string that looks like a data URL stays the string the client sent.
        #expect(call.arguments["message"] == .string("data:text/plain;base64,aGVsbG8="))
        #expect(call.arguments["n"] == .int(3))
        #expect(call.arguments["x"] == .double(1.5))
        #expect(call.arguments["ok"] == .bool(true))
        #expect(call.arguments["none"] == .null)
        #expect(call.arguments["list"] == .array([.string("a"), .int(1)]))
        #expect(call.arguments["nested"] == .object(["k": .string("v")]))
    }

    @Test(arguments: [
        #"{"name":1}"#, #"{"name":"echo","arguments":[]}"#, #"{"name":"echo","arguments":"x"}"#,
        #"["echo"]"#, #""echo""#, #"{}"#,
    ])
    func malformedToolCallParamsLeaveNoCall(_ params: String) throws {
        let message = try envelope(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":\#(params)}"#)
        #expect(message.kind == .request(.number(1), method: "tools/call"))
        #expect(message.toolCall == nil)
    }

    @Test func absentOrNullArgumentsAreEmpty() throws {
        for params in [#"{"name":"echo"}"#, #"{"name":"echo","arguments":null}"#] {
            let message = try envelope(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":\#(params)}"#)
            #expect(message.toolCall == ToolCallRequest(name: "echo", arguments: [:]))
        }
    }

    @Test func otherMethodsCarryNoToolCall() throws {
        let message = try envelope(#"{"jsonrpc":"2.0","id":"a","method":"tools/list","params":{"name":"echo"}}"#)
        #expect(message.kind == .request(.string("a"), method: "tools/list"))
        #expect(message.toolCall == nil)
    }
}
