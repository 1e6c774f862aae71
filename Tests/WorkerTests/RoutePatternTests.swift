import Testing
@testable import Worker

@Suite("RoutePattern")
struct RoutePatternTests {
    let tools = RoutePattern("/tools/{name}")

    @Test func matchesOneNonEmptySegmentPerParameter() {
        #expect(tools.match("/tools/echo")?["name"] == "echo")
        #expect(tools.match("/tools/notes%5Fput")?["name"] == "notes_put")
        #expect(tools.match("/tools/a%2Fb")?["name"] == "a/b")
        #expect(tools.match("/tools/") == nil)
        #expect(tools.match("/tools") == nil)
        #expect(tools.match("/tools/echo/more") == nil)
        #expect(tools.match("/toolz/echo") == nil)
        #expect(tools.match("tools/echo") == nil)
        // A malformed escape is no name at all.
        #expect(tools.match("/tools/%zz") == nil)
    }

    @Test func literalsMustMatchExactly() {
        let nested = RoutePattern("/a/{x}/b/{y}")
        let parameters = nested.match("/a/1/b/2")
        #expect(parameters?["x"] == "1")
        #expect(parameters?["y"] == "2")
        #expect(nested.match("/a/1/c/2") == nil)
    }
}
