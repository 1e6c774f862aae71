import Logging

/// The settings table: every `GATEHOUSE_*` setting an operator may set, declared once.
///
/// Adding a setting: declare it here, add it to `all`, read it in `GatehouseConfiguration`'s
/// loading initialiser, then run scripts/generate-settings.sh: the documentation and the
/// example files are generated from this table. Tests fail while a declared setting goes
/// unread, or a generated file is out of date.
extension Setting {
    // MARK: Identity and tokens

    public static let resource = Setting(
        "GATEHOUSE_RESOURCE", .url(plainHTTP: .withInsecureHTTPOnly), default: .required, section: .identity,
        help: "Canonical public URL of the MCP endpoint, e.g. `https://mcp.example.com/mcp`: the RFC 9728 `resource`, the default audience and the base of every URL Gatehouse advertises")
    public static let issuer = Setting(
        "GATEHOUSE_ISSUER", .url(plainHTTP: .withInsecureHTTPOnly), default: .required, section: .identity,
        help: "The authorization server's issuer exactly as tokens carry it in `iss`, e.g. `https://auth.example.com/realms/mcp-realm`")
    public static let jwksURI = Setting(
        "GATEHOUSE_JWKS_URI", .url(plainHTTP: .withInsecureHTTPOnly),
        default: .computed("from the issuer's discovery document, whose `issuer` must match"), section: .identity,
        help: "Where the provider's signing keys (JWKS) are fetched")
    public static let allowInsecureHTTP = Setting(
        "GATEHOUSE_ALLOW_INSECURE_HTTP", .boolean, default: .value("false"), section: .identity,
        help: "Allow `http://` for the issuer, the JWKS and the resource: development, or a hop that never leaves a private network; logged loudly")
    public static let audience = Setting(
        "GATEHOUSE_AUDIENCE", .list(of: "audiences"), default: .computed("`GATEHOUSE_RESOURCE`"), section: .identity,
        help: "Accepted token audiences (RFC 8707): a token's `aud` must contain one of them")
    public static let algorithms = Setting(
        "GATEHOUSE_ALGORITHMS", .choices(JWSAlgorithm.allCases.map(\.rawValue)),
        default: .value(JWSAlgorithm.defaults.map(\.rawValue).joined(separator: ",")), section: .identity,
        help: "Accepted JWS algorithms; never `none`, never HMAC")
    public static let tokenType = Setting(
        "GATEHOUSE_TOKEN_TYPE", .choice(TokenTypePolicy.allCases.map(\.rawValue)), default: .value(TokenTypePolicy.standard.rawValue),
        section: .identity,
        help: "Which tokens are access tokens: `standard` takes header `typ` `at+jwt`, `application/at+jwt`, `JWT` or none, with Keycloak's payload `typ`, when present, `Bearer`; `strict` takes only RFC 9068's `at+jwt`")
    public static let clockLeeway = Setting(
        "GATEHOUSE_CLOCK_LEEWAY", .seconds(0...300), default: .value("60"), section: .identity,
        help: "Clock leeway for `exp`, `nbf` and `iat`")
    public static let allowedClients = Setting(
        "GATEHOUSE_ALLOWED_CLIENTS", .list(of: "client ids"), default: .unset(meaning: "any client of the issuer"),
        section: .identity,
        help: "Clients (`azp`) whose tokens are accepted")
    public static let scopesFromRoles = Setting(
        "GATEHOUSE_SCOPES_FROM_ROLES", .boolean, default: .value("false"), section: .identity,
        help: "Also treat Keycloak's realm roles (`realm_access.roles`) as scopes")

    // MARK: Processes and logs

    public static let bind = Setting(
        "GATEHOUSE_BIND", .listenAddresses, default: .value("127.0.0.1:8000"), section: .processes,
        help: "Where the workers serve; with systemd socket activation the inherited socket is used instead")
    public static let workers = Setting(
        "GATEHOUSE_WORKERS", .wholeNumber(1...256), default: .computed("the number of CPU cores"), section: .processes,
        help: "Worker processes the supervisor keeps running")
    public static let environment = Setting(
        "GATEHOUSE_ENV", .choice(DeploymentEnvironment.allCases.map(\.rawValue)),
        default: .value(DeploymentEnvironment.production.rawValue), section: .processes,
        help: "What kind of deployment this is; only `development` allows the test hooks")
    public static let logLevel = Setting(
        "GATEHOUSE_LOG_LEVEL", .choice(Logger.Level.allCases.map(\.rawValue)), default: .value(Logger.Level.info.rawValue),
        section: .processes,
        help: "The least severe log lines written")
    public static let logPath = Setting(
        "GATEHOUSE_LOG_PATH", .path, default: .unset(meaning: "standard output"), section: .processes,
        help: "Log to this file instead of standard output; `SIGUSR1` reopens it, for log rotation")
    public static let gracefulTimeout = Setting(
        "GATEHOUSE_GRACEFUL_TIMEOUT", .seconds(0...3600), default: .value("30"), section: .processes,
        help: "Time in-flight requests get to finish on `SIGTERM` before the supervisor kills what is left; whatever stops Gatehouse must wait longer")
    public static let workerTimeout = Setting(
        "GATEHOUSE_WORKER_TIMEOUT", .seconds(1...3600), default: .value("30"), section: .processes,
        help: "Time without a heartbeat before a worker is killed and replaced")
    public static let maxRequests = Setting(
        "GATEHOUSE_MAX_REQUESTS", .wholeNumber(0...Int(Int32.max)), default: .value("0"), section: .processes,
        help: "Requests after which a worker is replaced (recycling); `0` never replaces one")
    public static let maxRequestsJitter = Setting(
        "GATEHOUSE_MAX_REQUESTS_JITTER", .wholeNumber(0...Int(Int32.max)), default: .value("0"), section: .processes,
        help: "Up to this many more requests, at random per worker, so workers started together do not recycle together")
    public static let pidfile = Setting(
        "GATEHOUSE_PIDFILE", .path, default: .unset(meaning: "no pidfile"), section: .processes,
        help: "The supervisor's pidfile; `gatehouse status` reads it")

    // MARK: Requests and connections

    public static let maxHeaderBytes = Setting(
        "GATEHOUSE_MAX_HEADER_BYTES", .wholeNumber(1024...(64 * 1024)), default: .value("16384"), section: .requests,
        help: "Largest request head; a larger one is answered 431")
    public static let maxBodyBytes = Setting(
        "GATEHOUSE_MAX_BODY_BYTES", .wholeNumber(1024...(64 * 1024 * 1024)), default: .value("1048576"), section: .requests,
        help: "Largest request body; a larger one is answered 413")
    public static let keepAliveTimeout = Setting(
        "GATEHOUSE_KEEPALIVE_TIMEOUT", .seconds(1...3600), default: .value("60"), section: .requests,
        help: "Idle keep-alive time; also what closes a client that sends requests and never reads their answers, once they are answered")
    public static let readTimeout = Setting(
        "GATEHOUSE_READ_TIMEOUT", .seconds(1...3600), default: .value("30"), section: .requests,
        help: "Time to receive a request body; then 408")
    public static let sendTimeout = Setting(
        "GATEHOUSE_SEND_TIMEOUT", .seconds(1...3600), default: .value("30"), section: .requests,
        help: "Time a connection may stay unable to take its answers (a client that stopped reading) before it is closed and what it holds is freed")
    public static let maxConnections = Setting(
        "GATEHOUSE_MAX_CONNECTIONS", .wholeNumber(1...1_000_000), default: .value("4096"), section: .requests,
        help: "Connections one worker serves at once; past it a new one gets 503 with `Retry-After: 1` and is closed")
    public static let allowedOrigins = Setting(
        "GATEHOUSE_ALLOWED_ORIGINS", .list(of: "origins"), default: .unset(meaning: "only the resource's own origin"),
        section: .requests,
        help: "Browser origins allowed to call `/mcp`, e.g. `https://app.example.com`; the resource's own origin always is")
    public static let listAllTools = Setting(
        "GATEHOUSE_LIST_ALL_TOOLS", .boolean, default: .value("false"), section: .requests,
        help: "`tools/list` and `GET /tools` show every tool with its required scope, not only those the token's scopes allow; calling one still needs its scope")

    // MARK: Keys, Redis and caches

    public static let redisURL = Setting(
        "GATEHOUSE_REDIS_URL", .redisURL, default: .unset(meaning: "no shared key cache and no notes tools"), section: .keys,
        help: "Redis for the key set shared by every worker and host, and for the notes tools' storage")
    public static let redisPassword = Setting(
        "GATEHOUSE_REDIS_PASSWORD", .text(), default: .unset(meaning: "the URL's own password, if any"), secret: true,
        section: .keys,
        help: "The Redis password, kept apart from `GATEHOUSE_REDIS_URL`")
    public static let sharedCacheKey = Setting(
        "GATEHOUSE_SHARED_CACHE_KEY", .text(minimumBytes: 32), default: .unset(meaning: "required with `GATEHOUSE_REDIS_URL`"),
        secret: true, section: .keys,
        help: "Signs the key records workers share through Redis (HMAC-SHA256); the same on every host, e.g. from `openssl rand -hex 32`")
    public static let jwksTTL = Setting(
        "GATEHOUSE_JWKS_TTL", .seconds(1...86400), default: .value("600"), section: .keys,
        help: "Time between scheduled key refreshes")
    public static let jwksCooldown = Setting(
        "GATEHOUSE_JWKS_COOLDOWN", .seconds(0...3600), default: .value("5"), section: .keys,
        help: "Least time between refreshes caused by an unknown `kid`, fleet-wide")
    public static let jwksMaximumStaleness = Setting(
        "GATEHOUSE_JWKS_MAX_STALE", .seconds(1...(30 * 86400)), default: .value("86400"), section: .keys,
        help: "How long keys stay usable while every refresh fails; after that tokens are refused (503), `/readyz` says `keys_expired` and `jwks.keys_expired` is logged, until the provider answers")
    public static let outboundTimeout = Setting(
        "GATEHOUSE_OUTBOUND_TIMEOUT", .seconds(0.1...60), default: .value("5"), section: .keys,
        help: "Time limit of a discovery or key-set fetch")
    public static let tokenCacheSize = Setting(
        "GATEHOUSE_TOKEN_CACHE_SIZE", .wholeNumber(0...1_000_000), default: .value("10000"), section: .keys,
        help: "Verified tokens a worker remembers (by SHA-256, until `exp`, dropped when their key leaves the key set); `0` turns the cache off")
    public static let tokenCacheTTL = Setting(
        "GATEHOUSE_TOKEN_CACHE_TTL", .seconds(1...3600), default: .value("300"), section: .keys,
        help: "Longest a verified token is taken from the cache")

    // MARK: Metrics

    public static let metricsBind = Setting(
        "GATEHOUSE_METRICS_BIND", .optionalListenAddress, default: .value("127.0.0.1:9464"), section: .metrics,
        help: "Where the supervisor serves `GET /metrics` (Prometheus text, every worker summed): a listener of its own, never a `GATEHOUSE_BIND` address")
    public static let metricsToken = Setting(
        "GATEHOUSE_METRICS_TOKEN", .text(minimumBytes: 16), default: .unset(meaning: "any process that reaches the listener may scrape"),
        secret: true, section: .metrics,
        help: "A bearer secret scrapers must present; set one whenever the metrics address is reachable from other hosts")

    // MARK: Metadata

    public static let resourceName = Setting(
        "GATEHOUSE_RESOURCE_NAME", .text(), default: .value("Gatehouse MCP server"), section: .metadata,
        help: "The RFC 9728 `resource_name`, also the title of `/openapi.json` and `/docs`")
    public static let resourceDocumentation = Setting(
        "GATEHOUSE_RESOURCE_DOCUMENTATION", .url(plainHTTP: .allowed), default: .computed("the resource's origin + `/docs`"),
        section: .metadata,
        help: "The RFC 9728 `resource_documentation`: where people read how to use this server")

    // MARK: Development and tests

    public static let testHooks = Setting(
        "GATEHOUSE_TEST_HOOKS", .boolean, default: .value("false"), section: .development,
        help: "The `/__test/slow` and `/__test/stall` routes the supervisor's tests use; refused unless `GATEHOUSE_ENV=development`, never in production")
    public static let testWorkerBootFailure = Setting(
        "GATEHOUSE_TEST_WORKER_BOOT_FAILURE", .boolean, default: .value("false"), section: .development,
        help: "Workers exit with status 3 before they serve, as a broken build would: the supervisor's crash-loop test; refused unless `GATEHOUSE_ENV=development`, never in production")

    /// The table, in the order the documentation lists it.
    public static let all: [Setting] = [
        resource, issuer, jwksURI, allowInsecureHTTP, audience, algorithms, tokenType, clockLeeway, allowedClients,
        scopesFromRoles,
        bind, workers, environment, logLevel, logPath, gracefulTimeout, workerTimeout, maxRequests, maxRequestsJitter,
        pidfile,
        maxHeaderBytes, maxBodyBytes, keepAliveTimeout, readTimeout, sendTimeout, maxConnections, allowedOrigins,
        listAllTools,
        redisURL, redisPassword, sharedCacheKey, jwksTTL, jwksCooldown, jwksMaximumStaleness, outboundTimeout,
        tokenCacheSize, tokenCacheTTL,
        metricsBind, metricsToken,
        resourceName, resourceDocumentation,
        testHooks, testWorkerBootFailure,
    ]

    /// Variables Gatehouse sets for itself, never an operator: known, so they draw no
    /// "not a Gatehouse setting" warning, and left out of every generated file.
    public static let internalVariables: [String] = [
        // Set by the supervisor for its workers.
        "GATEHOUSE_LISTEN_FDS", "GATEHOUSE_CONTROL_FD", "GATEHOUSE_WORKER_SLOT", "GATEHOUSE_SUPERVISOR_PID",
        // Set by a supervisor for the one that replaces it (SIGUSR2).
        "GATEHOUSE_UPGRADE_SOCKETS", "GATEHOUSE_UPGRADE_CONTROL_FD", "GATEHOUSE_UPGRADE_PARENT",
    ]

    /// Every name Gatehouse reads, so a misspelt one can be pointed out.
    public static let knownNames: Set<String> = Set(all.map(\.name) + internalVariables)
}
