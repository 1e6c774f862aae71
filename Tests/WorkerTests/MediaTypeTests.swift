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

    /// The one JSON rule, for `/mcp` and REST bodies alike.
    @Test func jsonBodiesAreApplicationJSONOrAPlusJSONType() {
        #expect(MediaType.isJSON("application/json"))
        #expect(MediaType.isJSON("Application/JSON; charset=utf-8"))
        #expect(MediaType.isJSON("application/merge-patch+json"))
        #expect(!MediaType.isJSON("application/json-seq"))
        #expect(!MediaType.isJSON("text/json"))
        #expect(!MediaType.isJSON("text/plain; type=application/json"))
        #expect(!MediaType.isJSON("application/+jsonx"))
        #expect(!MediaType.isJSON(""))
    }

    @Test func acceptListsMatchAnyItem() {
        #expect(MCPMediaTypes.acceptsJSON("application/json, text/event-stream"))
        #expect(MCPMediaTypes.acceptsJSON("text/event-stream,APPLICATION/JSON;q=0.9"))
        #expect(MCPMediaTypes.acceptsJSON("*/*"))
        #expect(MCPMediaTypes.acceptsJSON("text/html, application/*;q=0.1"))
        #expect(!MCPMediaTypes.acceptsJSON("text/event-stream"))
        #expect(!MCPMediaTypes.acceptsJSON("text/*, , "))
        #expect(!MCPMediaTypes.acceptsJSON(""))
    }
}
