import Foundation
import MCP
import Testing

@testable import Worker

@Suite struct JSONRPCEnvelopeTests {
    private func envelope(_ json: String) throws -> JSONRPCEnvelope {
        try JSONRPCEnvelope.read(Array(json.utf8)).get()
    }

    @Test func toolCallParamsComeFromTheOnePass() throws {
        let message = try envelope(#"""
            {"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo",
             "arguments":{"message":"data:text/plain;base64,aGVsbG8=","n":3,"x":1.5,"ok":true,"none":null,
                          "list":["a",1],"nested":{"k":"v"}}}}
            """#)
        #expect(message.kind == .request(.number(7), method: "tools/call"))
        let params = try #require(message.params)
        #expect(params.name == "echo")
        #expect(!params.argumentsMalformed)
        // A string that looks like a data URL stays the string the client sent.
        #expect(params.arguments["message"] == .string("data:text/plain;base64,aGVsbG8="))
        #expect(params.arguments["n"] == .int(3))
        #expect(params.arguments["x"] == .double(1.5))
        #expect(params.arguments["ok"] == .bool(true))
        #expect(params.arguments["none"] == .null)
        #expect(params.arguments["list"] == .array([.string("a"), .int(1)]))
        #expect(params.arguments["nested"] == .object(["k": .string("v")]))
    }

    @Test(arguments: [#"{"name":"echo","arguments":[]}"#, #"{"name":"echo","arguments":"x"}"#])
    func nonObjectArgumentsAreMalformed(_ params: String) throws {
        let message = try envelope(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":\#(params)}"#)
        #expect(message.params?.argumentsMalformed == true)
        #expect(message.params?.name == "echo")
    }

    @Test(arguments: [#"{"name":1}"#, #"["echo"]"#, #""echo""#, #"{}"#])
    func paramsWithoutAStringNameNameNoTool(_ params: String) throws {
        let message = try envelope(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":\#(params)}"#)
        #expect(message.kind == .request(.number(1), method: "tools/call"))
        #expect(message.params?.name == nil)
    }

    @Test func absentOrNullArgumentsAreEmpty() throws {
        for params in [#"{"name":"echo"}"#, #"{"name":"echo","arguments":null}"#] {
            let message = try envelope(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":\#(params)}"#)
            #expect(message.params?.arguments == [:])
            #expect(message.params?.argumentsMalformed == false)
        }
    }

    /// 2026-07-28: the per-request fields, even when another member of params is malformed.
    @Test func metaIsReadBesideAMalformedMember() throws {
        let message = try envelope(#"""
            {"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"echo","arguments":7,
             "_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
                      "io.modelcontextprotocol/clientCapabilities":{},
                      "traceparent":"00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01"}}}
            """#)
        let meta = try #require(message.meta)
        #expect(meta.protocolVersion == "2026-07-28")
        #expect(meta.missingRequiredKeys.isEmpty)
        #expect(meta.traceparent == "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01")
        #expect(message.params?.argumentsMalformed == true)
    }

    @Test func missingOrMistypedMetaKeysAreNamed() throws {
        let message = try envelope(#"""
            {"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":5,
             "io.modelcontextprotocol/clientCapabilities":[],"traceparent":"not a trace"}}}
            """#)
        let meta = try #require(message.meta)
        #expect(meta.declaresProtocolVersion)
        #expect(meta.missingRequiredKeys == [RequestMeta.protocolVersionKey, RequestMeta.clientCapabilitiesKey])
        #expect(meta.traceparent == nil)
    }

    @Test func theEraFollowsWhatTheClientSends() throws {
        let modernMeta = try #require(try envelope(#"""
            {"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}
            """#).meta)
        #expect(MCPEra.of(versionHeader: nil, meta: nil) == .legacy(version: "2025-03-26"))
        #expect(MCPEra.of(versionHeader: "2025-06-18", meta: nil) == .legacy(version: "2025-06-18"))
        #expect(MCPEra.of(versionHeader: "2026-07-28", meta: nil) == .modern)
        // An unknown version is answered by the modern rules, which name what is supported.
        #expect(MCPEra.of(versionHeader: "1900-01-01", meta: nil) == .modern)
        #expect(MCPEra.of(versionHeader: nil, meta: modernMeta) == .modern)
        #expect(MCPEra.of(versionHeader: "2025-11-25", meta: modernMeta) == .modern)
    }

    @Test func headerValuesInTheBase64FormAreDecoded() {
        #expect(ModernRequestRules.decodedHeaderValue("echo") == "echo")
        #expect(ModernRequestRules.decodedHeaderValue("=?base64?SGVsbG8sIOS4lueVjA==?=") == "Hello, 世界")
        #expect(ModernRequestRules.decodedHeaderValue("=?base64?not base64?=") == nil)
    }
}
