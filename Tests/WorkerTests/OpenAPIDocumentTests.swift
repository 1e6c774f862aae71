import Common
import Foundation
import MCP
import Testing
@testable import Worker

@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    static let issuer = "https://auth.example.test/realms/r"

    func configuration() throws -> GatehouseConfiguration {
        let source = ConfigurationSource(
            environment: ["GATEHOUSE_RESOURCE": "https://mcp.example.test/mcp", "GATEHOUSE_ISSUER": Self.issuer,
                          "GATEHOUSE_DOTENV": "/unused"],
            overrides: [:], currentDirectory: "/nonexistent") { _ in "" }
        return try ConfigurationLoader.load(source, processorCount: 1).configuration
    }

    @Test func discoveryEndpointsReplaceTheKeycloakFallback() throws {
        let fallback = AuthorizationServerEndpoints.fallback(issuer: Self.issuer + "/")
        #expect(fallback.tokenURL == Self.issuer + "/protocol/openid-connect/token")
        #expect(fallback.authorizationURL == Self.issuer + "/protocol/openid-connect/auth")
        let discovered = AuthorizationServerEndpoints.discovered(
            tokenEndpoint: "https://idp.example.test/token", authorizationEndpoint: "http://idp.example.test/authorize",
            issuer: Self.issuer, allowInsecureHTTP: false)
        #expect(discovered.tokenURL == "https://idp.example.test/token")
        // Not https (and not allowed): the fallback stays.
        #expect(discovered.authorizationURL == fallback.authorizationURL)
    }

    @Test func discoveryTellsTheEndpoints() throws {
        let discovery = #"{"issuer":"\#(Self.issuer)","jwks_uri":"https://idp.example.test/certs","token_endpoint":"https://idp.example.test/token","authorization_endpoint":"https://idp.example.test/auth"}"#
        let told = LockedEndpoints()
        var source = ProviderKeySource(issuer: Self.issuer, configuredJWKSURI: nil, allowInsecureHTTP: false) { _ in
            (200, Array(discovery.utf8))
        }
        source.endpointsDiscovered = { told.set($0) }
        #expect(try source.resolveJWKSURI() == "https://idp.example.test/certs")
        #expect(told.value == AuthorizationServerEndpoints(tokenURL: "https://idp.example.test/token", authorizationURL: "https://idp.example.test/auth"))
    }

    @Test func documentIsBuiltOnceAndRebuiltForNewEndpoints() throws {
        let endpoint = OpenAPIEndpoint(
            document: OpenAPIDocument(configuration: try configuration(), tools: .standard), endpoints: .fallback(issuer: Self.issuer))
        func flows() throws -> [String: Any] {
            let bytes = Array(try #require(endpoint.response().body).readableBytesView)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
            let schemes = (json["components"] as? [String: Any])?["securitySchemes"] as? [String: Any]
            return try #require((schemes?["oauth2"] as? [String: Any])?["flows"] as? [String: Any])
        }
        #expect((try flows()["clientCredentials"] as? [String: Any])?["tokenUrl"] as? String == Self.issuer + "/protocol/openid-connect/token")
        #expect(!endpoint.hasDiscoveredEndpoints)
        endpoint.update(endpoints: AuthorizationServerEndpoints(tokenURL: "https://t.example.test/token", authorizationURL: "https://t.example.test/auth"))
        #expect(endpoint.hasDiscoveredEndpoints)
        let updated = try flows()
        #expect((updated["clientCredentials"] as? [String: Any])?["tokenUrl"] as? String == "https://t.example.test/token")
        #expect((updated["authorizationCode"] as? [String: Any])?["authorizationUrl"] as? String == "https://t.example.test/auth")
    }

    @Test func everyToolHasItsPathScopeAndSchemas() throws {
        let document = OpenAPIDocument(configuration: try configuration(), tools: .standard).build(endpoints: .fallback(issuer: Self.issuer))
        let paths = try #require(document.objectValue?["paths"]?.objectValue)
        for tool in ToolRegistry.standard.ordered {
            let post = try #require(paths["/tools/\(tool.name)"]?.objectValue?["post"]?.objectValue)
            #expect(post["security"] == [["oauth2": [.string(tool.requiredScope)]]])
            let body = post["requestBody"]?.objectValue?["content"]?.objectValue?["application/json"]?.objectValue?["schema"]
            #expect(body == tool.inputSchema.jsonSchema)
        }
        #expect(document.objectValue?["servers"] == [["url": "https://mcp.example.test"]])
    }
}

private final class LockedEndpoints: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: AuthorizationServerEndpoints?
    var value: AuthorizationServerEndpoints? { lock.withLock { stored } }
    func set(_ endpoints: AuthorizationServerEndpoints) { lock.withLock { stored = endpoints } }
}
