import Foundation
import Logging

/// Reads and validates the configuration; every problem found becomes one line.
public enum ConfigurationLoader {
    /// Every variable Gatehouse reads, so a misspelt one can be pointed out.
    public static let knownVariables: Set<String> = [
        "GATEHOUSE_BIND", "GATEHOUSE_WORKERS", "GATEHOUSE_RESOURCE", "GATEHOUSE_ISSUER",
        "GATEHOUSE_JWKS_URI", "GATEHOUSE_AUDIENCE", "GATEHOUSE_ALGORITHMS", "GATEHOUSE_REDIS_URL",
        "GATEHOUSE_ALLOW_INSECURE_HTTP", "GATEHOUSE_ALLOWED_ORIGINS", "GATEHOUSE_LOG_LEVEL",
        "GATEHOUSE_ENV", "GATEHOUSE_GRACEFUL_TIMEOUT", "GATEHOUSE_WORKER_TIMEOUT",
        "GATEHOUSE_MAX_REQUESTS", "GATEHOUSE_MAX_REQUESTS_JITTER", "GATEHOUSE_PIDFILE",
        "GATEHOUSE_MAX_HEADER_BYTES", "GATEHOUSE_MAX_BODY_BYTES", "GATEHOUSE_KEEPALIVE_TIMEOUT",
        "GATEHOUSE_READ_TIMEOUT", "GATEHOUSE_TOKEN_TYPE", "GATEHOUSE_CLOCK_LEEWAY",
        "GATEHOUSE_ALLOWED_CLIENTS", "GATEHOUSE_SCOPES_FROM_ROLES", "GATEHOUSE_JWKS_TTL",
        "GATEHOUSE_JWKS_COOLDOWN", "GATEHOUSE_OUTBOUND_TIMEOUT", "GATEHOUSE_RESOURCE_NAME",
        "GATEHOUSE_RESOURCE_DOCUMENTATION", "GATEHOUSE_TEST_HOOKS", "GATEHOUSE_LOG_PATH",
        "GATEHOUSE_TOKEN_CACHE_SIZE", "GATEHOUSE_TOKEN_CACHE_TTL", "GATEHOUSE_REDIS_PASSWORD",
        "GATEHOUSE_LIST_ALL_TOOLS", "GATEHOUSE_SHARED_CACHE_KEY", "GATEHOUSE_MAX_CONNECTIONS",
        "GATEHOUSE_SEND_TIMEOUT", "GATEHOUSE_JWKS_MAX_STALE", "GATEHOUSE_METRICS_BIND", "GATEHOUSE_METRICS_TOKEN",
        // Set by the supervisor for its workers.
        "GATEHOUSE_LISTEN_FDS", "GATEHOUSE_CONTROL_FD", "GATEHOUSE_WORKER_SLOT", "GATEHOUSE_SUPERVISOR_PID",
        // Set by a supervisor for the one that replaces it (SIGUSR2).
        "GATEHOUSE_UPGRADE_SOCKETS", "GATEHOUSE_UPGRADE_CONTROL_FD", "GATEHOUSE_UPGRADE_PARENT",
    ]

    public struct Loaded: Sendable {
        public var configuration: GatehouseConfiguration
        /// Things worth a log line that do not stop start-up (unknown variables, insecure HTTP).
        public var warnings: [String]
    }

    public static func load(_ source: ConfigurationSource, processorCount: Int = ProcessInfo.processInfo.activeProcessorCount) throws(ConfigurationError) -> Loaded {
        var reader = VariableReader(source: source)
        var warnings: [String] = []

        let allowInsecure = reader.bool("GATEHOUSE_ALLOW_INSECURE_HTTP", default: false)
        let bind = reader.list("GATEHOUSE_BIND", default: ["127.0.0.1:8000"]).compactMap { text -> BindAddress? in
            guard let address = BindAddress(parsing: text) else {
                reader.problem("GATEHOUSE_BIND", "'\(text)' is not host:port, [ipv6]:port or unix:/absolute/path")
                return nil
            }
            return address
        }
        let workers = reader.integer("GATEHOUSE_WORKERS", default: max(1, processorCount), range: 1...256)
        let resource = reader.url("GATEHOUSE_RESOURCE", required: true, allowInsecure: allowInsecure, role: "resource")
        let issuer = reader.url("GATEHOUSE_ISSUER", required: true, allowInsecure: allowInsecure, role: "issuer")
        let jwksURI = reader.url("GATEHOUSE_JWKS_URI", required: false, allowInsecure: allowInsecure, role: "JWKS URI")
        let audiences = reader.list("GATEHOUSE_AUDIENCE", default: resource.map { [$0] } ?? [])
        let algorithms = reader.algorithms()
        var redisURL = reader.redisURL()
        // A password kept apart from the URL (GATEHOUSE_REDIS_PASSWORD_FILE: a Docker secret).
        if let password = source["GATEHOUSE_REDIS_PASSWORD"] {
            if let text = redisURL, var url = try? RedisURL(parsing: text) {
                url.password = password
                redisURL = url.connectionString
            } else if redisURL == nil && !source.values.keys.contains("GATEHOUSE_REDIS_URL") {
                reader.problem("GATEHOUSE_REDIS_PASSWORD", "is set but GATEHOUSE_REDIS_URL is not")
            }
        }
        // Redis is a trust boundary: what workers share through it is signed with this key.
        let sharedCacheKey = source["GATEHOUSE_SHARED_CACHE_KEY"]
        if let sharedCacheKey, sharedCacheKey.utf8.count < 32 {
            reader.problem("GATEHOUSE_SHARED_CACHE_KEY", "must be at least 32 bytes (e.g. openssl rand -hex 32)")
        } else if sharedCacheKey == nil, redisURL != nil {
            reader.problem("GATEHOUSE_SHARED_CACHE_KEY", "is required with GATEHOUSE_REDIS_URL: it signs the key records workers share through Redis (or set GATEHOUSE_SHARED_CACHE_KEY_FILE)")
        }
        let origins = reader.list("GATEHOUSE_ALLOWED_ORIGINS", default: []).filter { origin in
            guard origin != "*", let parts = URLParts(origin), parts.path.isEmpty || parts.path == "/", !parts.hasQuery,
                !parts.hasFragment, !parts.hasUserInfo, parts.scheme == "https" || parts.scheme == "http"
            else {
                reader.problem("GATEHOUSE_ALLOWED_ORIGINS", "'\(origin)' is not an origin like https://app.example.com")
                return false
            }
            return true
        }.map { URLParts($0)!.origin }
        let logLevel = reader.enumeration("GATEHOUSE_LOG_LEVEL", default: Logger.Level.info)
        let environment = reader.enumeration("GATEHOUSE_ENV", default: DeploymentEnvironment.production)
        let gracefulTimeout = reader.seconds("GATEHOUSE_GRACEFUL_TIMEOUT", default: 30, range: 0...3600)
        let workerTimeout = reader.seconds("GATEHOUSE_WORKER_TIMEOUT", default: 30, range: 1...3600)
        let maxRequests = reader.integer("GATEHOUSE_MAX_REQUESTS", default: 0, range: 0...Int(Int32.max))
        let maxRequestsJitter = reader.integer("GATEHOUSE_MAX_REQUESTS_JITTER", default: 0, range: 0...Int(Int32.max))
        let pidfile = reader.string("GATEHOUSE_PIDFILE")
        let maxHeaderBytes = reader.integer("GATEHOUSE_MAX_HEADER_BYTES", default: 16 * 1024, range: 1024...(64 * 1024))
        let maxBodyBytes = reader.integer("GATEHOUSE_MAX_BODY_BYTES", default: 1024 * 1024, range: 1024...(64 * 1024 * 1024))
        let keepAliveTimeout = reader.seconds("GATEHOUSE_KEEPALIVE_TIMEOUT", default: 60, range: 1...3600)
        let readTimeout = reader.seconds("GATEHOUSE_READ_TIMEOUT", default: 30, range: 1...3600)
        let sendTimeout = reader.seconds("GATEHOUSE_SEND_TIMEOUT", default: 30, range: 1...3600)
        let maxConnections = reader.integer("GATEHOUSE_MAX_CONNECTIONS", default: 4096, range: 1...1_000_000)
        let tokenType = reader.enumeration("GATEHOUSE_TOKEN_TYPE", default: TokenTypePolicy.standard)
        let leeway = reader.seconds("GATEHOUSE_CLOCK_LEEWAY", default: 60, range: 0...300)
        let allowedClients = reader.list("GATEHOUSE_ALLOWED_CLIENTS", default: [])
        let scopesFromRoles = reader.bool("GATEHOUSE_SCOPES_FROM_ROLES", default: false)
        let jwksTTL = reader.seconds("GATEHOUSE_JWKS_TTL", default: 600, range: 1...86400)
        let cooldown = reader.seconds("GATEHOUSE_JWKS_COOLDOWN", default: 5, range: 0...3600)
        let maximumStaleness = reader.seconds("GATEHOUSE_JWKS_MAX_STALE", default: 86400, range: 1...(30 * 86400))
        let outboundTimeout = reader.seconds("GATEHOUSE_OUTBOUND_TIMEOUT", default: 5, range: 0.1...60)
        let resourceName = reader.string("GATEHOUSE_RESOURCE_NAME") ?? "Gatehouse MCP server"
        let documentation = reader.url(
            "GATEHOUSE_RESOURCE_DOCUMENTATION", required: false, allowInsecure: true, role: "documentation URL")

        let logFile = reader.string("GATEHOUSE_LOG_PATH")
        let tokenCacheSize = reader.integer("GATEHOUSE_TOKEN_CACHE_SIZE", default: 10_000, range: 0...1_000_000)
        let tokenCacheTTL = reader.seconds("GATEHOUSE_TOKEN_CACHE_TTL", default: 300, range: 1...3600)
        let testHooks = reader.bool("GATEHOUSE_TEST_HOOKS", default: false)
        let metricsBind = reader.metricsBind(publicBinds: bind)
        let metricsToken = source["GATEHOUSE_METRICS_TOKEN"]
        if let metricsToken, metricsToken.utf8.count < 16 {
            reader.problem("GATEHOUSE_METRICS_TOKEN", "must be at least 16 bytes (e.g. openssl rand -hex 32)")
        }
        let listAllTools = reader.bool("GATEHOUSE_LIST_ALL_TOOLS", default: false)
        if testHooks && environment != .development {
            reader.problem("GATEHOUSE_TEST_HOOKS", "is only allowed with GATEHOUSE_ENV=development")
        }
        if testHooks {
            warnings.append("GATEHOUSE_TEST_HOOKS is on: /__test/slow and /__test/stall exist; never do this in production")
        }

        if maxRequests == 0 && source["GATEHOUSE_MAX_REQUESTS_JITTER"] != nil && maxRequestsJitter > 0 {
            warnings.append("GATEHOUSE_MAX_REQUESTS_JITTER has no effect while GATEHOUSE_MAX_REQUESTS is 0")
        }
        for name in source.values.keys.sorted() where !knownVariables.contains(name) {
            warnings.append("\(name) is not a Gatehouse setting and is ignored")
        }
        if allowInsecure {
            warnings.append("GATEHOUSE_ALLOW_INSECURE_HTTP is on: issuer and JWKS may be fetched over plain HTTP; never do this in production")
        }

        let problems = source.problems + reader.problems
        guard problems.isEmpty, let resource, let issuer else {
            throw ConfigurationError(problems: problems)
        }
        var configuration = GatehouseConfiguration(
            bind: bind, workers: workers, resource: resource, issuer: issuer, jwksURI: jwksURI,
            audiences: audiences, algorithms: algorithms, redisURL: redisURL, allowInsecureHTTP: allowInsecure,
            allowedOrigins: origins, logLevel: logLevel, environment: environment,
            gracefulTimeout: gracefulTimeout, workerTimeout: workerTimeout, maxRequests: maxRequests,
            maxRequestsJitter: maxRequestsJitter, pidfile: pidfile, maxHeaderBytes: maxHeaderBytes,
            maxBodyBytes: maxBodyBytes, keepAliveTimeout: keepAliveTimeout, requestReadTimeout: readTimeout,
            tokenTypePolicy: tokenType, clockLeeway: leeway, allowedClients: allowedClients,
            scopesFromRoles: scopesFromRoles, jwksCacheTTL: jwksTTL, jwksRefreshCooldown: cooldown,
            outboundTimeout: outboundTimeout, resourceName: resourceName, resourceDocumentation: "")
        configuration.resourceDocumentation = documentation ?? configuration.publicOrigin + "/docs"
        configuration.testHooks = testHooks
        configuration.listAllTools = listAllTools
        configuration.logFile = logFile
        configuration.tokenCacheSize = tokenCacheSize
        configuration.tokenCacheMaximumAge = tokenCacheTTL
        configuration.sharedCacheKey = sharedCacheKey
        configuration.sendTimeout = sendTimeout
        configuration.jwksMaximumStaleness = maximumStaleness
        configuration.maxConnections = maxConnections
        configuration.metricsBind = metricsBind
        configuration.metricsToken = metricsToken
        return Loaded(configuration: configuration, warnings: warnings)
    }
}

/// Parses one variable at a time and collects what is wrong with each.
private struct VariableReader {
    let source: ConfigurationSource
    var problems: [ConfigurationProblem] = []

    mutating func problem(_ name: String, _ message: String) {
        problems.append(ConfigurationProblem(name, message))
    }

    func string(_ name: String) -> String? { source[name] }

    func list(_ name: String, default defaultValue: [String]) -> [String] {
        guard let raw = source[name] else { return defaultValue }
        return raw.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    mutating func bool(_ name: String, default defaultValue: Bool) -> Bool {
        guard let raw = source[name] else { return defaultValue }
        switch raw.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default:
            problem(name, "'\(raw)' is not a boolean (true or false)")
            return defaultValue
        }
    }

    mutating func integer(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) -> Int {
        guard let raw = source[name] else { return defaultValue }
        guard let value = Int(raw), range.contains(value) else {
            problem(name, "'\(raw)' is not a whole number between \(range.lowerBound) and \(range.upperBound)")
            return defaultValue
        }
        return value
    }

    mutating func seconds(_ name: String, default defaultValue: Double, range: ClosedRange<Double>) -> Duration {
        guard let raw = source[name] else { return .milliseconds(Int64(defaultValue * 1000)) }
        guard let value = Double(raw), value.isFinite, range.contains(value) else {
            problem(name, "'\(raw)' is not a number of seconds between \(range.lowerBound.formatted) and \(range.upperBound.formatted)")
            return .milliseconds(Int64(defaultValue * 1000))
        }
        return .milliseconds(Int64((value * 1000).rounded()))
    }

    mutating func enumeration<Value: RawRepresentable>(_ name: String, default defaultValue: Value) -> Value
    where Value.RawValue == String {
        guard let raw = source[name] else { return defaultValue }
        guard let value = Value(rawValue: raw.lowercased()) else {
            problem(name, "'\(raw)' is not one of the accepted values")
            return defaultValue
        }
        return value
    }

    /// `GATEHOUSE_METRICS_BIND`: host:port, empty for off; never one of the public addresses.
    mutating func metricsBind(publicBinds: [BindAddress]) -> BindAddress? {
        let name = "GATEHOUSE_METRICS_BIND"
        guard let raw = source[name] else { return GatehouseConfiguration.defaultMetricsBind }
        if raw.trimmingWhitespace().isEmpty { return nil }
        guard case .tcp(let host, let port)? = BindAddress(parsing: raw) else {
            problem(name, "'\(raw)' is not host:port or [ipv6]:port (empty turns metrics off)")
            return nil
        }
        let clashes = port != 0 && publicBinds.contains { address in
            guard case .tcp(let publicHost, let publicPort) = address, publicPort == port else { return false }
            return publicHost == host || ["0.0.0.0", "::"].contains(publicHost) || ["0.0.0.0", "::"].contains(host)
        }
        if clashes { problem(name, "'\(raw)' is a public address (GATEHOUSE_BIND): metrics are served on a listener of their own") }
        return .tcp(host: host, port: port)
    }

    mutating func url(_ name: String, required: Bool, allowInsecure: Bool, role: String) -> String? {
        guard let raw = source[name] else {
            if required { problem(name, "is required: the \(role) URL, e.g. https://example.com/...") }
            return nil
        }
        guard let parts = URLParts(raw), parts.scheme == "https" || parts.scheme == "http" else {
            problem(name, "'\(raw)' is not an absolute http(s) URL")
            return nil
        }
        if parts.hasFragment {
            problem(name, "'\(raw)' must not contain a fragment (#...)")
            return nil
        }
        if parts.hasUserInfo {
            problem(name, "must not contain user information")
            return nil
        }
        if parts.scheme == "http" && !allowInsecure {
            problem(name, "'\(raw)' uses http://; use https:// or set GATEHOUSE_ALLOW_INSECURE_HTTP=true for development")
            return nil
        }
        return raw
    }

    mutating func algorithms() -> [JWSAlgorithm] {
        let name = "GATEHOUSE_ALGORITHMS"
        guard source[name] != nil else { return JWSAlgorithm.defaults }
        var accepted: [JWSAlgorithm] = []
        for text in list(name, default: []) {
            if let algorithm = JWSAlgorithm.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) {
                if !accepted.contains(algorithm) { accepted.append(algorithm) }
            } else if text.lowercased() == "none" {
                problem(name, "'none' is never accepted: every token must be signed")
            } else if text.uppercased().hasPrefix("HS") {
                problem(name, "'\(text)' is a shared-secret algorithm; a resource server accepts only asymmetric signatures")
            } else {
                problem(name, "'\(text)' is not a supported algorithm (\(JWSAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        if accepted.isEmpty && problems.allSatisfy({ $0.variable != name }) {
            problem(name, "names no algorithm")
        }
        return accepted
    }

    mutating func redisURL() -> String? {
        let name = "GATEHOUSE_REDIS_URL"
        guard let raw = source[name] else { return nil }
        do {
            _ = try RedisURL(parsing: raw)
            return raw
        } catch {
            problem(name, error.reason)
            return nil
        }
    }
}

extension Double {
    fileprivate var formatted: String {
        rounded() == self ? String(Int(self)) : String(self)
    }
}
