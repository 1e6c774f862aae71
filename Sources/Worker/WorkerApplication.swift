import Common
import Foundation
import Logging
import MCP
import NIOCore
import NIOHTTP1

/// Everything a worker serves, wired from configuration; the server only feeds it requests.
struct WorkerApplication: Sendable {
    var router: Router
    var keys: JWKSCache
    var limits: HTTPLimits

    init(
        configuration: GatehouseConfiguration, keys: JWKSCache, tokenCache: VerifiedTokenCache? = nil,
        tools: ToolRegistry = .standard, openAPI: OpenAPIEndpoint? = nil, processID: Int32 = getpid(),
        isDraining: @escaping @Sendable () -> Bool = { false }
    ) {
        self.keys = keys
        self.limits = HTTPLimits(
            maxHeaderBytes: configuration.maxHeaderBytes, maxBodyBytes: configuration.maxBodyBytes,
            idleTimeout: .init(configuration.keepAliveTimeout), readTimeout: .init(configuration.requestReadTimeout))

        let challenge = AuthChallenge(resourceMetadataURL: configuration.protectedResourceMetadataURL)
        let authenticator = Authenticator(
            validator: TokenValidator(policy: ValidationPolicy(configuration: configuration)),
            keys: keys, challenge: challenge, baselineScopes: ["mcp:read"], tokenCache: tokenCache)
        let dispatcher = MCPDispatcher(
            tools: tools,
            serverInfo: Server.Info(name: "gatehouse", version: GatehouseVersion.current, title: "Gatehouse"),
            instructions: "Tools are listed according to the scopes of your access token. Calling a tool whose scope your token lacks answers HTTP 403 with the scope to request.",
            processID: processID,
            listsAllTools: configuration.listAllTools)
        var origins = Set(configuration.allowedOrigins)
        origins.insert(configuration.publicOrigin)
        let mcp = MCPEndpoint(authenticator: authenticator, dispatcher: dispatcher, challenge: challenge, allowedOrigins: origins)

        let metadataBody = (try? JSONCoding.encode(ProtectedResourceMetadata(configuration: configuration))) ?? []
        let health = HealthEndpoints(keys: keys, isDraining: isDraining)
        let documentation = Documentation(configuration: configuration)

        var router = Router()
        let metadataPaths = Set(["/.well-known/oauth-protected-resource",
                                 "/.well-known/oauth-protected-resource" + configuration.resourcePath])
        for path in metadataPaths {
            router.add(path, methods: [.GET, .HEAD]) { _ in
                .json(.ok, metadataBody, headers: ["Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"])
            }
        }
        router.add("/healthz", methods: [.GET, .HEAD]) { _ in health.liveness() }
        router.add("/readyz", methods: [.GET, .HEAD]) { _ in health.readiness() }
        router.add("/docs", methods: [.GET, .HEAD]) { _ in documentation.response() }
        let mcpHandler: Router.Handler = { request, context in mcp.respond(to: request, context: context) }
        let allMethods: [HTTPMethod] = [.GET, .HEAD, .POST, .PUT, .DELETE, .PATCH, .OPTIONS]
        router.add("/mcp", methods: allMethods, handler: mcpHandler)
        if !configuration.resourcePath.isEmpty && configuration.resourcePath != "/mcp" {
            router.add(configuration.resourcePath, methods: allMethods, handler: mcpHandler)
        }

        let rest = RESTToolsEndpoint(
            authenticator: authenticator, challenge: challenge, invoker: ToolInvoker(tools: tools, processID: processID))
        router.add("/tools", methods: [.GET]) { request, context in rest.list(request, context: context) }
        router.add(RoutePattern("/tools/{name}"), methods: [.POST]) { request, parameters, context in
            rest.call(request, name: parameters["name"] ?? "", context: context)
        }
        let openAPI = openAPI ?? OpenAPIEndpoint(
            document: OpenAPIDocument(configuration: configuration, tools: tools),
            endpoints: .fallback(issuer: configuration.issuer))
        router.add("/openapi.json", methods: [.GET, .HEAD]) { _ in openAPI.response() }
        if configuration.testHooks { TestHooks.register(in: &router) }
        self.router = router
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
