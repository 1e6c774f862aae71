import Common

/// RFC 9728 protected resource metadata, built once from configuration and the tools served:
/// never from `Host` or `X-Forwarded-*`, so a client cannot be pointed at another
/// authorization server.
struct ProtectedResourceMetadata: Encodable, Sendable {
    var resource: String
    var authorizationServers: [String]
    var scopesSupported: [String]
    var bearerMethodsSupported = ["header"]
    var resourceName: String
    var resourceDocumentation: String

    enum CodingKeys: String, CodingKey {
        case resource
        case authorizationServers = "authorization_servers"
        case scopesSupported = "scopes_supported"
        case bearerMethodsSupported = "bearer_methods_supported"
        case resourceName = "resource_name"
        case resourceDocumentation = "resource_documentation"
    }

    /// `scopes_supported` lists what the served tools require, so a client that requests every
    /// advertised scope asks for nothing this worker has no use for.
    init(configuration: GatehouseConfiguration, tools: ToolRegistry) {
        resource = configuration.resource
        authorizationServers = [configuration.issuer]
        scopesSupported = tools.scopes
        resourceName = configuration.resourceName
        resourceDocumentation = configuration.resourceDocumentation
    }
}
