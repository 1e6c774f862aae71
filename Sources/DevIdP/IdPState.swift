/// Everything shared by all connections: configuration, keys, counters and the outage switch.
final class IdPState: Sendable {
    let configuration: IdPConfiguration
    let clients: ClientRegistry
    let keys: SigningKeyRing
    let tokenIssuer: TokenIssuer
    private let statistics = Locked(RequestStatistics())
    private let down = Locked(false)

    init(configuration: IdPConfiguration, keys: SigningKeyRing) {
        self.configuration = configuration
        self.clients = ClientRegistry(clients: configuration.clients, realm: configuration.realm)
        self.keys = keys
        self.tokenIssuer = TokenIssuer(
            realm: configuration.realm, audiences: configuration.audiences, lifetime: configuration.tokenLifetime
        )
    }

    func record(_ endpoint: RealmEndpoint) {
        statistics.withLock { $0.record(endpoint) }
    }

    var currentStatistics: RequestStatistics { statistics.current }

    func resetStatistics() {
        statistics.withLock { $0 = RequestStatistics() }
    }

    /// While down, every non-admin request gets 503: an outage without killing the process.
    var isDown: Bool { down.current }

    func setDown(_ value: Bool) {
        down.withLock { $0 = value }
    }
}
