/// A token that passed every check: what the rest of the request path may rely on.
struct AccessToken: Sendable, Hashable {
    var subject: String?
    var clientID: String?
    var scopes: Set<String>
    /// Seconds since the Unix epoch.
    var expiresAt: Double
    var keyID: String
    var tokenID: String?
    /// The verifying key's RFC 7638 thumbprint: a cached verification holds only while the
    /// key under this `kid` is still that key.
    var keyThumbprint = ""

    var principal: Principal { Principal(subject: subject, clientID: clientID) }

    func grants(_ scope: String) -> Bool { scopes.contains(scope) }
}
