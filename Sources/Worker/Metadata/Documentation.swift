import Common
import NIOCore

/// `/docs`, the `resource_documentation` of the metadata: how to reach the tools.
struct Documentation: Sendable {
    var text: String

    init(configuration: GatehouseConfiguration, tools: ToolRegistry) {
        text = """
        \(configuration.resourceName)

        An MCP server (Streamable HTTP, JSON responses, stateless) at \(configuration.resource).
        Every call needs an OAuth 2.1 access token from \(configuration.issuer),
        sent as `Authorization: Bearer <token>` and issued for the audience \(configuration.audiences.joined(separator: ", ")).
        Protected resource metadata (RFC 9728): \(configuration.protectedResourceMetadataURL)
        Scopes: \(tools.scopes.joined(separator: ", ")).

        """
    }

    func response() -> HTTPResponse {
        HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; charset=utf-8", "Cache-Control": "public, max-age=3600"],
                     body: .init(string: text))
    }
}
