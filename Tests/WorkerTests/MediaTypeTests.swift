import Testing

@testable import Worker

@Suite struct MediaTypeTests {
    @Test func contentTypeIgnoresCaseParametersAndWhitespace() {
        #expect(MediaType.value("application/json", is: "application/json"))
        #expect(MediaType.value(" Application/JSON ; charset=utf-8", is: "application/json"))
        #expect(MediaType.value("application/json\t;", is: "application/json"))
        #expect(!MediaType.value("application/jsonx", is: "application/json"))
        #expect(!MediaType.value("application/json-seq", is: "application/json"))
        #expect(!MediaType.value("text/plain; type=application/json", is: "application/json"))
        #expect(!MediaType.value("", is: "application/json"))
        // `/` is not a letter: no case folding may turn it into something else.
        #expect(!MediaType.value("applicationOjson", is: "application/json"))
    }

    @Test func acceptListsMatchAnyItem() {
        #expect(MCPEndpoint.acceptsJSON("application/json, text/event-stream"))
        #expect(MCPEndpoint.acceptsJSON("text/event-stream,APPLICATION/JSON;q=0.9"))
        #expect(MCPEndpoint.acceptsJSON("*/*"))
        #expect(MCPEndpoint.acceptsJSON("text/html, application/*;q=0.1"))
        #expect(!MCPEndpoint.acceptsJSON("text/event-stream"))
        #expect(!MCPEndpoint.acceptsJSON("text/*, , "))
        #expect(!MCPEndpoint.acceptsJSON(""))
    }
}
