import Foundation
import Testing

@testable import Common

@Suite struct ConfigurationLoaderTests {
    static let sharedCacheKey = String(repeating: "k", count: 32)
    static let minimal = [
        "GATEHOUSE_RESOURCE": "https://mcp.example.com/mcp",
        "GATEHOUSE_ISSUER": "https://auth.example.com/realms/mcp-realm",
    ]

    func load(_ environment: [String: String], overrides: [String: String] = [:], files: [String: String] = [:]) throws(ConfigurationError) -> ConfigurationLoader.Loaded {
        var environment = environment
        environment["GATEHOUSE_DOTENV"] = environment["GATEHOUSE_DOTENV"] ?? "/nonexistent-but-unused"
        let source = ConfigurationSource(environment: environment, overrides: overrides, currentDirectory: "/nonexistent") { path in
            guard let content = files[path] else { throw POSIXError(.ENOENT) }
            return content
        }
        return try ConfigurationLoader.load(source, processorCount: 3)
    }

    func problems(_ environment: [String: String], files: [String: String] = [:]) -> [String] {
        do {
            _ = try load(environment, files: files.merging(["/nonexistent-but-unused": ""]) { a, _ in a })
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test func defaultsFromTheDesignTable() throws {
        let configuration = try load(Self.minimal, files: ["/nonexistent-but-unused": ""]).configuration
        #expect(configuration.bind == [.tcp(host: "127.0.0.1", port: 8000)])
        #expect(configuration.workers == 3)
        #expect(configuration.audiences == ["https://mcp.example.com/mcp"])
        #expect(configuration.algorithms == [.rs256, .ps256, .es256, .eddsa])
        #expect(configuration.redisURL == nil)
        #expect(configuration.allowInsecureHTTP == false)
        #expect(configuration.logLevel == .info)
        #expect(configuration.environment == .production)
        #expect(configuration.gracefulTimeout == .seconds(30))
        #expect(configuration.workerTimeout == .seconds(30))
        #expect(configuration.maxRequests == 0)
        #expect(configuration.maxBodyBytes == 1024 * 1024)
        #expect(configuration.jwksRefreshCooldown == .seconds(5))
        #expect(configuration.clockLeeway == .seconds(60))
        #expect(configuration.protectedResourceMetadataURL == "https://mcp.example.com/.well-known/oauth-protected-resource/mcp")
        #expect(configuration.resourceDocumentation == "https://mcp.example.com/docs")
    }

    @Test func requiredValuesAreNamed() {
        let lines = problems([:], files: ["/nonexistent-but-unused": ""])
        #expect(lines.contains { $0.hasPrefix("GATEHOUSE_RESOURCE: is required") })
        #expect(lines.contains { $0.hasPrefix("GATEHOUSE_ISSUER: is required") })
    }

    @Test func everyProblemGetsItsOwnLine() {
        var environment = Self.minimal
        environment["GATEHOUSE_WORKERS"] = "zero"
        environment["GATEHOUSE_BIND"] = "nonsense"
        environment["GATEHOUSE_ALGORITHMS"] = "RS256,none,HS256,XX999"
        environment["GATEHOUSE_LOG_LEVEL"] = "loud"
        environment["GATEHOUSE_GRACEFUL_TIMEOUT"] = "-1"
        let lines = problems(environment, files: ["/nonexistent-but-unused": ""])
        #expect(lines.count == 7)
        #expect(lines.contains { $0.hasPrefix("GATEHOUSE_WORKERS:") })
        #expect(lines.contains { $0.hasPrefix("GATEHOUSE_BIND:") })
        #expect(lines.contains { $0.hasPrefix("GATEHOUSE_ALGORITHMS: 'none' is never accepted") })
        #expect(lines.contains { $0.hasPrefix("GATEHOUSE_ALGORITHMS: 'HS256' is a shared-secret algorithm") })
        #expect(lines.contains { $0.hasPrefix("GATEHOUSE_ALGORITHMS: 'XX999'") })
        #expect(lines.contains { $0.hasPrefix("GATEHOUSE_LOG_LEVEL:") })
        #expect(lines.contains { $0.hasPrefix("GATEHOUSE_GRACEFUL_TIMEOUT:") })
    }

    @Test(arguments: [
        ("GATEHOUSE_ISSUER", "http://auth.example.com/realms/x", "uses http://"),
        ("GATEHOUSE_JWKS_URI", "http://auth.example.com/certs", "uses http://"),
        ("GATEHOUSE_RESOURCE", "https://mcp.example.com/mcp#frag", "fragment"),
        ("GATEHOUSE_RESOURCE", "/mcp", "not an absolute"),
        ("GATEHOUSE_RESOURCE", "ftp://mcp.example.com/mcp", "not an absolute"),
        ("GATEHOUSE_ISSUER", "https://user:pw@auth.example.com/realms/x", "user information"),
    ])
    func urlRules(variable: String, value: String, expected: String) {
        var environment = Self.minimal
        environment[variable] = value
        let lines = problems(environment, files: ["/nonexistent-but-unused": ""])
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("\(variable):") == true)
        #expect(lines.first?.contains(expected) == true)
        #expect(lines.first?.contains("pw") != true)
    }

    /// The worker writes response headers without checking each one again (as Hummingbird), so
    /// whatever configuration reaches a header (the resource, in `WWW-Authenticate`; an origin, in
    /// `Access-Control-Allow-Origin`) must never hold a CR, LF or other control character.
    @Test(arguments: [
        ("GATEHOUSE_RESOURCE", "https://mcp.example.com/mcp\r\nSet-Cookie: a=b"),
        ("GATEHOUSE_RESOURCE", "https://mcp.example.com/m\tcp"),
        ("GATEHOUSE_RESOURCE", "https://mcp.example.com/m\u{0}cp"),
        ("GATEHOUSE_ALLOWED_ORIGINS", "https://app.example.com\r\nSet-Cookie: a=b"),
        ("GATEHOUSE_ALLOWED_ORIGINS", "https://app.example.com,https://b.example.com\u{7}"),
    ])
    func controlCharactersThatWouldReachAHeaderStopStartUp(variable: String, value: String) {
        var environment = Self.minimal
        environment[variable] = value
        let lines = problems(environment, files: ["/nonexistent-but-unused": ""])
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("\(variable):") == true)
    }

    @Test func insecureHTTPOnlyWhenAllowed() throws {
        var environment = Self.minimal
        environment["GATEHOUSE_ISSUER"] = "http://127.0.0.1:8080/realms/mcp-realm"
        environment["GATEHOUSE_ALLOW_INSECURE_HTTP"] = "true"
        let loaded = try load(environment, files: ["/nonexistent-but-unused": ""])
        #expect(loaded.configuration.issuer == "http://127.0.0.1:8080/realms/mcp-realm")
        #expect(loaded.warnings.contains { $0.contains("GATEHOUSE_ALLOW_INSECURE_HTTP") })
    }

    @Test func dotEnvFileThenEnvironmentThenFlags() throws {
        let environment = ["GATEHOUSE_DOTENV": "/config/.env", "GATEHOUSE_WORKERS": "4", "GATEHOUSE_LOG_LEVEL": "debug"]
        let dotEnv = """
            # comment
            export GATEHOUSE_RESOURCE=https://mcp.example.com/mcp
            GATEHOUSE_ISSUER="https://auth.example.com/realms/mcp-realm"
            GATEHOUSE_WORKERS=2
            GATEHOUSE_LOG_LEVEL='warning'
            UNRELATED=ignored
            """
        let configuration = try load(environment, overrides: ["GATEHOUSE_LOG_LEVEL": "error"], files: ["/config/.env": dotEnv]).configuration
        #expect(configuration.resource == "https://mcp.example.com/mcp")
        #expect(configuration.workers == 4)  // The environment beats the file.
        #expect(configuration.logLevel == .error)  // A flag beats both.
    }

    @Test func fileVariantsForSecrets() throws {
        var environment = Self.minimal
        environment["GATEHOUSE_REDIS_URL_FILE"] = "/run/secrets/redis"
        environment["GATEHOUSE_SHARED_CACHE_KEY"] = Self.sharedCacheKey
        let configuration = try load(environment, files: ["/run/secrets/redis": "redis://:s3cret@redis:6379/2\n", "/nonexistent-but-unused": ""]).configuration
        #expect(configuration.redisURL == "redis://:s3cret@redis:6379/2")

        environment["GATEHOUSE_REDIS_URL"] = "redis://other:6379"
        let both = problems(environment, files: ["/run/secrets/redis": "redis://:s3cret@redis:6379/2"])
        #expect(both == ["GATEHOUSE_REDIS_URL_FILE: set together with GATEHOUSE_REDIS_URL; use one of them"])

        var unreadable = Self.minimal
        unreadable["GATEHOUSE_REDIS_URL_FILE"] = "/run/secrets/missing"
        #expect(problems(unreadable) == ["GATEHOUSE_REDIS_URL_FILE: cannot read file /run/secrets/missing"])
    }

    @Test func secretsNeverAppearInProblems() {
        var environment = Self.minimal
        environment["GATEHOUSE_REDIS_URL"] = "redis://:hunter2@redis:6379/notanumber"
        let lines = problems(environment, files: ["/nonexistent-but-unused": ""])
        #expect(lines.count == 1)
        #expect(!lines.joined().contains("hunter2"))
    }

    @Test func unknownVariablesAreWarnedAbout() throws {
        var environment = Self.minimal
        environment["GATEHOUSE_WOKRERS"] = "4"
        let loaded = try load(environment, files: ["/nonexistent-but-unused": ""])
        #expect(loaded.warnings.contains { $0.contains("GATEHOUSE_WOKRERS") })
    }

    @Test func bindAddresses() {
        #expect(BindAddress(parsing: "0.0.0.0:8000") == .tcp(host: "0.0.0.0", port: 8000))
        #expect(BindAddress(parsing: "[::1]:9000") == .tcp(host: "::1", port: 9000))
        #expect(BindAddress(parsing: "unix:/run/gatehouse.sock") == .unix(path: "/run/gatehouse.sock"))
        #expect(BindAddress(parsing: "unix:relative.sock") == nil)
        #expect(BindAddress(parsing: "localhost") == nil)
        #expect(BindAddress(parsing: "host:70000") == nil)
        #expect(BindAddress(parsing: "::1:80") == nil)
    }

    @Test func metadataURLForABareOrigin() throws {
        var environment = Self.minimal
        environment["GATEHOUSE_RESOURCE"] = "https://mcp.example.com:8443"
        let configuration = try load(environment, files: ["/nonexistent-but-unused": ""]).configuration
        #expect(configuration.protectedResourceMetadataURL == "https://mcp.example.com:8443/.well-known/oauth-protected-resource")
    }
}

extension ConfigurationLoaderTests {
    @Test func redisPasswordFromItsOwnSecretFile() throws {
        var environment = Self.minimal
        environment["GATEHOUSE_REDIS_URL"] = "redis://redis:6379/2"
        environment["GATEHOUSE_REDIS_PASSWORD_FILE"] = "/run/secrets/redis_password"
        environment["GATEHOUSE_SHARED_CACHE_KEY"] = Self.sharedCacheKey
        let configuration = try load(environment, files: ["/run/secrets/redis_password": "p@ss word\n", "/nonexistent-but-unused": ""]).configuration
        let url = try RedisURL(parsing: try #require(configuration.redisURL))
        #expect(url.password == "p@ss word")
        #expect(url.database == 2)
        #expect(url.host == "redis")

        var orphan = Self.minimal
        orphan["GATEHOUSE_REDIS_PASSWORD"] = "x"
        #expect(problems(orphan, files: ["/nonexistent-but-unused": ""]) == ["GATEHOUSE_REDIS_PASSWORD: is set but GATEHOUSE_REDIS_URL is not"])
    }
}

extension ConfigurationLoaderTests {
    @Test func listAllToolsIsOffByDefaultAndValidated() throws {
        let files = ["/nonexistent-but-unused": ""]
        #expect(try load(Self.minimal, files: files).configuration.listAllTools == false)
        var on = Self.minimal
        on["GATEHOUSE_LIST_ALL_TOOLS"] = "true"
        #expect(try load(on, files: files).configuration.listAllTools == true)
        #expect(try load(on, files: files).warnings.allSatisfy { !$0.contains("GATEHOUSE_LIST_ALL_TOOLS") })
        on["GATEHOUSE_LIST_ALL_TOOLS"] = "sometimes"
        #expect(problems(on, files: files) == ["GATEHOUSE_LIST_ALL_TOOLS: 'sometimes' is not a boolean (true or false)"])
    }
}

extension ConfigurationLoaderTests {
    /// Redis is a trust boundary: without the key that signs what workers share there, start-up
    /// stops (one line); the key comes from a secret file and is long enough to mean something.
    @Test func redisNeedsASharedCacheKey() throws {
        let files = ["/nonexistent-but-unused": "", "/run/secrets/shared_cache_key": String(repeating: "s", count: 64) + "\n"]
        var environment = Self.minimal
        environment["GATEHOUSE_REDIS_URL"] = "redis://redis:6379/0"
        #expect(problems(environment, files: files) == [
            "GATEHOUSE_SHARED_CACHE_KEY: is required with GATEHOUSE_REDIS_URL: it signs the key records workers share through Redis (or set GATEHOUSE_SHARED_CACHE_KEY_FILE)",
        ])
        environment["GATEHOUSE_SHARED_CACHE_KEY_FILE"] = "/run/secrets/shared_cache_key"
        #expect(try load(environment, files: files).configuration.sharedCacheKey == String(repeating: "s", count: 64))
        environment["GATEHOUSE_SHARED_CACHE_KEY_FILE"] = nil
        environment["GATEHOUSE_SHARED_CACHE_KEY"] = "short"
        #expect(problems(environment, files: files) == ["GATEHOUSE_SHARED_CACHE_KEY: must be at least 32 bytes (e.g. openssl rand -hex 32)"])
        // Without Redis nothing needs it.
        #expect(problems(Self.minimal, files: files).isEmpty)
    }
}

extension ConfigurationLoaderTests {
    /// Set and empty turns the metrics listener off; unset keeps the declared default.
    @Test func metricsBindEmptyTurnsMetricsOff() throws {
        let files = ["/nonexistent-but-unused": ""]
        #expect(try load(Self.minimal, files: files).configuration.metricsBind == .tcp(host: "127.0.0.1", port: 9464))
        var off = Self.minimal
        off["GATEHOUSE_METRICS_BIND"] = ""
        #expect(try load(off, files: files).configuration.metricsBind == nil)
        off["GATEHOUSE_METRICS_BIND"] = "127.0.0.1:8000"
        #expect(problems(off, files: files) == [
            "GATEHOUSE_METRICS_BIND: '127.0.0.1:8000' is a public address (GATEHOUSE_BIND): metrics are served on a listener of their own",
        ])
    }
}
