import Logging

/// The validated configuration shared by the supervisor and its workers.
///
/// Built only by `ConfigurationLoader`, so a value of this type has passed every check. Each
/// field is read from a setting of the settings table (`SettingsTable.swift`), which holds its
/// variable's name, type, range, default and help.
public struct GatehouseConfiguration: Sendable, Equatable {
    public var bind: [BindAddress]
    public var workers: Int
    /// Canonical URL of the MCP endpoint: the RFC 9728 `resource` and the default audience.
    public var resource: String
    public var issuer: String
    /// When nil, taken from the issuer's discovery document.
    public var jwksURI: String?
    public var audiences: [String]
    public var algorithms: [JWSAlgorithm]
    public var redisURL: String?
    public var allowInsecureHTTP: Bool
    public var allowedOrigins: [String]
    public var logLevel: Logger.Level
    public var environment: DeploymentEnvironment
    public var gracefulTimeout: Duration
    public var workerTimeout: Duration
    public var maxRequests: Int
    public var maxRequestsJitter: Int
    public var pidfile: String?

    // Request limits.
    public var maxHeaderBytes: Int
    public var maxBodyBytes: Int
    public var keepAliveTimeout: Duration
    public var requestReadTimeout: Duration

    // Token validation.
    public var tokenTypePolicy: TokenTypePolicy
    public var clockLeeway: Duration
    /// `azp` allow-list; empty accepts any client of the issuer.
    public var allowedClients: [String]
    /// Also read scopes from Keycloak's `realm_access.roles`.
    public var scopesFromRoles: Bool

    // Keys.
    public var jwksCacheTTL: Duration
    public var jwksRefreshCooldown: Duration
    public var outboundTimeout: Duration

    // Metadata (RFC 9728); `scopes_supported` comes from the tools a worker serves.
    public var resourceName: String
    public var resourceDocumentation: String

    /// `tools/list` shows every tool (with its required scope in `_meta`), not only those the
    /// caller's scopes allow.
    public var listAllTools: Bool

    /// Routes the supervisor's tests need (a slow request, a stuck event loop); development only.
    public var testHooks: Bool
    /// Workers exit during boot (the supervisor's crash-loop test); development only.
    public var testWorkerBootFailure: Bool

    /// Verified-token cache: entries (0 turns it off) and the longest an entry is used.
    public var tokenCacheSize: Int
    public var tokenCacheMaximumAge: Duration
    /// Signs the JWKS records workers share through Redis (a secret; never logged).
    public var sharedCacheKey: String?
    /// Connections one worker serves at once; past it, new ones get 503 and are closed.
    public var maxConnections: Int
    /// How long a connection may stay unable to take responses (a client that does not read).
    public var sendTimeout: Duration
    /// How long keys stay usable while every refresh fails.
    public var jwksMaximumStaleness: Duration

    /// Where the supervisor serves `GET /metrics` (never a public address); nil turns metrics off.
    public var metricsBind: BindAddress?
    /// A bearer secret scrapers must present; nil lets any local process scrape.
    public var metricsToken: String?

    /// Log to this file instead of standard output; SIGUSR1 reopens it (log rotation).
    public var logFile: String?

    /// The log sink the configuration asks for.
    public func makeLogOutput() throws -> LogOutput {
        guard let logFile else { return .standardOutput }
        return try LogOutput(path: logFile)
    }

    /// The origin (scheme, host, port) of `resource`, the base of every URL Gatehouse advertises.
    public var publicOrigin: String {
        Self.origin(of: resource)
    }

    static func origin(of resource: String) -> String {
        URLParts(resource)?.origin ?? resource
    }

    /// The path of `resource` (`/mcp` for `https://host/mcp`), empty for a bare origin.
    public var resourcePath: String {
        let path = URLParts(resource)?.path ?? ""
        return path == "/" ? "" : path
    }

    /// RFC 9728 §3.1: the metadata URL inserts the well-known segment between the origin and
    /// the resource's path.
    /// RFC 9728 §3.1: the well-known segment inserted before the resource's path. It is the only
    /// path the metadata is served at: §3.3 wants the `resource` a client reads to be the one
    /// the URL was built from.
    public var protectedResourceMetadataPath: String {
        "/.well-known/oauth-protected-resource" + resourcePath
    }

    public var protectedResourceMetadataURL: String {
        publicOrigin + protectedResourceMetadataPath
    }
}
