import Common
import Logging
import NIOCore
import NIOPosix
@testable import Worker

/// The worker's real application (router, authentication, MCP, REST, tools) over the fixture
/// keys, as `WorkerRuntime` wires it but without Redis, so every request is answered on the
/// event loop that carries it: an `EmbeddedEventLoop` runs no other thread's work.
struct FixtureApplication {
    let application: WorkerApplication
    let tokenCache: VerifiedTokenCache
    let logger: Logger
    /// Where the logger writes, for the connection handler's access-line buffer.
    let logOutput: LogOutput

    init() {
        let configuration = Fixture.configuration
        let document = Array(FixtureJWKS.document.utf8)
        let source = ProviderKeySource(
            issuer: configuration.issuer, configuredJWKSURI: configuration.jwksURI, allowInsecureHTTP: false,
            fetch: { _ in (200, document) })
        let tokenCache = VerifiedTokenCache(
            capacity: configuration.tokenCacheSize, maximumAge: .seconds(configuration.tokenCacheMaximumAge.components.seconds))
        // Lines go through the real JSON log handler (fuzzed methods, names and trace ids reach it) to /dev/null.
        let output: LogOutput
        do { output = try LogOutput(path: "/dev/null") } catch { fatalError("fuzz fixture: cannot open /dev/null") }
        let logger = Logger(label: "gatehouse.fuzz") { label in JSONLogHandler(label: label, level: .debug, output: output) }
        let keys = JWKSCache(
            source: source, parser: JWKSParser(acceptedAlgorithms: configuration.algorithms),
            // A cooldown longer than any run: the one refresh for an unknown kid happens here, so
            // a fuzzed kid is answered at once instead of by a refresh on the thread pool.
            settings: .init(timeToLive: .hours(24), cooldown: .hours(24 * 365)),
            logger: logger, keysChanged: { tokenCache.retainOnly(thumbprints: $0) })
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        do {
            _ = try keys.refresh(reason: .startup, on: eventLoop).wait()
            _ = try keys.keyAfterRefresh(for: "no-such-key", on: eventLoop).wait()
        } catch {
            fatalError("fuzz fixture: the fixture keys do not load: \(error)")
        }
        guard keys.keyCount == FixtureJWKS.keyIDs.count else { fatalError("fuzz fixture: \(keys.keyCount) keys loaded") }
        self.application = WorkerApplication(configuration: configuration, keys: keys, tokenCache: tokenCache, processID: 4242)
        self.tokenCache = tokenCache
        self.logger = logger
        self.logOutput = output
    }

    /// Forgets every verified token, so that each input meets the application as the first did.
    func forgetVerifiedTokens() {
        tokenCache.retainOnly(thumbprints: [])
    }
}
