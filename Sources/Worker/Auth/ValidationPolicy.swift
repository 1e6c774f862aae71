import Common

/// The rules from configuration that every token is held to.
struct ValidationPolicy: Sendable {
    var issuer: String
    var audiences: [String]
    var algorithms: [JWSAlgorithm]
    var typePolicy: TokenTypePolicy
    var leewaySeconds: Double
    var allowedClients: [String]
    var scopesFromRoles: Bool

    init(configuration: GatehouseConfiguration) {
        issuer = configuration.issuer
        audiences = configuration.audiences
        algorithms = configuration.algorithms
        typePolicy = configuration.tokenTypePolicy
        leewaySeconds = Double(configuration.clockLeeway.components.seconds)
        allowedClients = configuration.allowedClients
        scopesFromRoles = configuration.scopesFromRoles
    }

    init(
        issuer: String, audiences: [String], algorithms: [JWSAlgorithm] = JWSAlgorithm.defaults,
        typePolicy: TokenTypePolicy = .standard, leewaySeconds: Double = 60, allowedClients: [String] = [],
        scopesFromRoles: Bool = false
    ) {
        self.issuer = issuer
        self.audiences = audiences
        self.algorithms = algorithms
        self.typePolicy = typePolicy
        self.leewaySeconds = leewaySeconds
        self.allowedClients = allowedClients
        self.scopesFromRoles = scopesFromRoles
    }
}
