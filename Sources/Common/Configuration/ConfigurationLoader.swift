import Foundation
import Logging

/// Reads and validates the configuration; every problem found becomes one line.
public enum ConfigurationLoader {
    public struct Loaded: Sendable {
        public var configuration: GatehouseConfiguration
        /// Things worth a log line that do not stop start-up (unknown variables, insecure HTTP).
        public var warnings: [String]
    }

    public static func load(_ source: ConfigurationSource, processorCount: Int = ProcessInfo.processInfo.activeProcessorCount) throws(ConfigurationError) -> Loaded {
        let (configuration, reader) = read(source, processorCount: processorCount)
        let problems = source.problems + reader.problems
        guard problems.isEmpty else {
            throw ConfigurationError(problems: problems)
        }
        return Loaded(configuration: configuration, warnings: reader.warnings)
    }

    /// Reads every setting, valid or not; the reader holds what is wrong and what was read.
    static func read(_ source: ConfigurationSource, processorCount: Int) -> (GatehouseConfiguration, SettingReader) {
        var reader = SettingReader(source: source)
        let configuration = GatehouseConfiguration(reading: &reader, processorCount: processorCount)
        for name in source.values.keys.sorted() where !Setting.knownNames.contains(name) {
            reader.warn("\(name) is not a Gatehouse setting and is ignored")
        }
        return (configuration, reader)
    }
}

extension GatehouseConfiguration {
    /// Each field from its setting's declaration, then the checks that involve several
    /// settings. A configuration read with problems is never handed out (`load` throws), so
    /// the placeholders a missing required value leaves behind go nowhere.
    init(reading reader: inout SettingReader, processorCount: Int) {
        // Identity and tokens.
        allowInsecureHTTP = reader.boolean(.allowInsecureHTTP)
        let resource = reader.url(.resource, allowInsecureHTTP: allowInsecureHTTP, role: "resource")
        self.resource = resource ?? ""
        issuer = reader.url(.issuer, allowInsecureHTTP: allowInsecureHTTP, role: "issuer") ?? ""
        jwksURI = reader.url(.jwksURI, allowInsecureHTTP: allowInsecureHTTP, role: "JWKS URI")
        audiences = reader.list(.audience) ?? resource.map { [$0] } ?? []
        algorithms = reader.algorithms(.algorithms)
        tokenTypePolicy = reader.choice(.tokenType, as: TokenTypePolicy.self)
        clockLeeway = reader.seconds(.clockLeeway)
        allowedClients = reader.list(.allowedClients) ?? []
        scopesFromRoles = reader.boolean(.scopesFromRoles)

        // Processes and logs.
        bind = reader.listenAddresses(.bind)
        workers = reader.wholeNumber(.workers, computedDefault: max(1, processorCount))
        environment = reader.choice(.environment, as: DeploymentEnvironment.self)
        logLevel = reader.choice(.logLevel, as: Logger.Level.self)
        logFile = reader.path(.logPath)
        gracefulTimeout = reader.seconds(.gracefulTimeout)
        workerTimeout = reader.seconds(.workerTimeout)
        maxRequests = reader.wholeNumber(.maxRequests)
        maxRequestsJitter = reader.wholeNumber(.maxRequestsJitter)
        pidfile = reader.path(.pidfile)

        // Requests and connections.
        maxHeaderBytes = reader.wholeNumber(.maxHeaderBytes)
        maxBodyBytes = reader.wholeNumber(.maxBodyBytes)
        keepAliveTimeout = reader.seconds(.keepAliveTimeout)
        requestReadTimeout = reader.seconds(.readTimeout)
        sendTimeout = reader.seconds(.sendTimeout)
        maxConnections = reader.wholeNumber(.maxConnections)
        allowedOrigins = reader.origins(.allowedOrigins)
        listAllTools = reader.boolean(.listAllTools)

        // Keys, Redis and caches.
        redisURL = reader.redisURL(.redisURL)
        sharedCacheKey = reader.text(.sharedCacheKey)
        jwksCacheTTL = reader.seconds(.jwksTTL)
        jwksRefreshCooldown = reader.seconds(.jwksCooldown)
        jwksMaximumStaleness = reader.seconds(.jwksMaximumStaleness)
        outboundTimeout = reader.seconds(.outboundTimeout)
        tokenCacheSize = reader.wholeNumber(.tokenCacheSize)
        tokenCacheMaximumAge = reader.seconds(.tokenCacheTTL)

        // Metrics.
        metricsBind = reader.optionalListenAddress(.metricsBind, apartFrom: bind)
        metricsToken = reader.text(.metricsToken)

        // Metadata.
        resourceName = reader.text(.resourceName) ?? ""
        resourceDocumentation = reader.url(.resourceDocumentation, allowInsecureHTTP: allowInsecureHTTP, role: "documentation")
            ?? Self.origin(of: self.resource) + "/docs"

        // Development and tests.
        testHooks = reader.boolean(.testHooks)
        testWorkerBootFailure = reader.boolean(.testWorkerBootFailure)

        checkAcrossSettings(&reader)
    }

    /// The rules that involve more than one setting.
    private mutating func checkAcrossSettings(_ reader: inout SettingReader) {
        // A password kept apart from the URL (GATEHOUSE_REDIS_PASSWORD_FILE: a Docker secret).
        if let password = reader.text(.redisPassword) {
            if let text = redisURL, var url = try? RedisURL(parsing: text) {
                url.password = password
                redisURL = url.connectionString
            } else if redisURL == nil && !reader.isPresent(.redisURL) {
                reader.problem(.redisPassword, "is set but \(Setting.redisURL.name) is not")
            }
        }
        // Redis is a trust boundary: what workers share through it is signed with this key.
        if sharedCacheKey == nil, redisURL != nil {
            reader.problem(
                .sharedCacheKey,
                "is required with \(Setting.redisURL.name): it signs the key records workers share through Redis (or set \(Setting.sharedCacheKey.fileVariant))")
        }
        if testHooks && environment != .development {
            reader.problem(.testHooks, "is only allowed with \(Setting.environment.name)=development")
        }
        if testWorkerBootFailure && environment != .development {
            reader.problem(.testWorkerBootFailure, "is only allowed with \(Setting.environment.name)=development")
        }
        if testHooks {
            reader.warn("\(Setting.testHooks.name) is on: /__test/slow and /__test/stall exist; never do this in production")
        }
        if maxRequests == 0 && maxRequestsJitter > 0 {
            reader.warn("\(Setting.maxRequestsJitter.name) has no effect while \(Setting.maxRequests.name) is 0")
        }
        if allowInsecureHTTP {
            reader.warn("\(Setting.allowInsecureHTTP.name) is on: issuer and JWKS may be fetched over plain HTTP; never do this in production")
        }
    }
}
