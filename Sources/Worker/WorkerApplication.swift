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
        metrics: WorkerMetrics? = nil, isDraining: @escaping @Sendable () -> Bool = { false }
    ) {
        self.keys = keys
        self.limits = HTTPLimits(
            maxHeaderBytes: configuration.maxHeaderBytes, maxBodyBytes: configuration.maxBodyBytes,
            idleTimeout: .init(configuration.keepAliveTimeout), readTimeout: .init(configuration.requestReadTimeout),
            sendTimeout: .init(configuration.sendTimeout), maxConnections: configuration.maxConnections)

        let challenge = AuthChallenge(resourceMetadataURL: configuration.protectedResourceMetadataURL)
        let authenticator = Authenticator(
            validator: TokenValidator(policy: ValidationPolicy(configuration: configuration)),
            keys: keys, challenge: challenge, baselineScopes: ["mcp:read"], tokenCache: tokenCache, metrics: metrics)
        let invoker = ToolInvoker(tools: tools, challenge: challenge, processID: processID, metrics: metrics)
        let serverInfo: Value = ["name": "gatehouse", "title": "Gatehouse", "version": .string(GatehouseVersion.current)]
        let mcp = MCPEndpoint(
            dispatcher: MCPDispatcher(
                invoker: invoker, serverInfo: serverInfo,
                instructions: "Tools are listed according to the scopes of your access token. Calling a tool whose scope your token lacks answers HTTP 403 with the scope to request.",
                listsAllTools: configuration.listAllTools),
            modern: ModernMCPRenderer(serverInfo: serverInfo))
        var origins = Set(configuration.allowedOrigins)
        origins.insert(configuration.publicOrigin)

        // Built once: the document only changes with the configuration.
        let metadata = HTTPResponse.json(
            .ok, (try? JSONCoding.encode(ProtectedResourceMetadata(configuration: configuration, tools: tools))) ?? [],
            headers: ["Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"])
        let health = HealthEndpoints(keys: keys, isDraining: isDraining)
        let documentation = Documentation(configuration: configuration, tools: tools)

        var router = Router()
        // Not also at the bare `/.well-known/oauth-protected-resource` (unless the resource is the
        // origin itself): the `resource` read there would not be the one that URL names (404).
        router.add(configuration.protectedResourceMetadataPath, methods: [.GET, .HEAD]) { _ in metadata }
        router.add("/healthz", methods: [.GET, .HEAD]) { _ in health.liveness() }
        router.add("/readyz", methods: [.GET, .HEAD]) { _ in health.readiness() }
        router.add("/docs", methods: [.GET, .HEAD]) { _ in documentation.response() }
        // Every protected route sits behind the one authentication stage; each group words
        // its refusals its own way.
        let mcpPaths = Set(["/mcp", configuration.resourcePath].filter { !$0.isEmpty })
        router.group([MCPTransport(allowedOrigins: origins),
                      AuthenticationMiddleware(authenticator: authenticator, renderRefusal: MCPEndpoint.refusal),
                      MCPMediaTypes()]) { group in
            let allMethods: [HTTPMethod] = [.GET, .HEAD, .POST, .PUT, .DELETE, .PATCH, .OPTIONS]
            for path in mcpPaths { group.add(path, methods: allMethods, handler: mcp.respond) }
        }
        let rest = RESTToolsEndpoint(invoker: invoker)
        let restAuthentication = AuthenticationMiddleware(authenticator: authenticator, renderRefusal: { $0.oauthResponse })
        router.group([restAuthentication]) { group in
            group.add("/tools", methods: [.GET], handler: rest.list)
        }
        router.group([restAuthentication, RESTToolAccess(invoker: invoker)]) { group in
            group.add(RoutePattern("/tools/{name}"), methods: [.POST], handler: rest.call)
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
