import Foundation

/// What the command line decided, fixed for the life of the process.
struct IdPConfiguration: Sendable {
    static let defaultAudience = "http://127.0.0.1:8000/mcp"
    static let defaultTokenLifetime = 300
    static let maxRequestBodyBytes = 64 * 1024

    let host: ListenHost
    /// The origin advertised instead of the listening address (Keycloak's `--hostname`), for
    /// a proxy that exposes the IdP at another address, or a container; nil: the listening
    /// address.
    let publicOrigin: String?
    let realm: String
    let audiences: [String]
    let clients: [RegisteredClient]
    let tokenLifetime: Int

    /// The issuer depends on the bound port, which `--port 0` only reveals after binding, unless
    /// a public origin fixes it.
    func issuer(port: Int) -> String {
        // A wildcard host always comes with a public origin (IdentityProviderCommand.validate).
        "\(publicOrigin ?? "http://\(host.urlHost ?? host.bindAddress):\(port)")/realms/\(realm)"
    }

    /// `scheme://host[:port]` and nothing else: the issuer is this plus `/realms/{realm}`.
    static func isOrigin(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), ["http", "https"].contains(components.scheme),
            let host = components.host, !host.isEmpty
        else { return false }
        return components.path.isEmpty && components.query == nil && components.fragment == nil && components.user == nil
    }

    /// The `/admin` test controls (signing anything, outages) exist only on loopback.
    var adminEnabled: Bool { host.isLoopback }

    var realmPath: String { "/realms/\(realm)" }
}

/// Paths below `/realms/{realm}` that the IdP serves, Keycloak's layout.
enum RealmEndpoint: String, Sendable {
    case discovery = "/.well-known/openid-configuration"
    /// The same metadata under RFC 8414's name (Keycloak serves both).
    case authorizationServerMetadata = "/.well-known/oauth-authorization-server"
    case authorization = "/protocol/openid-connect/auth"
    case token = "/protocol/openid-connect/token"
    case certs = "/protocol/openid-connect/certs"

    func url(issuer: String) -> String { issuer + rawValue }

    /// RFC 8414 §3.1 inserts the well-known segment between the host and the issuer's path:
    /// `/.well-known/oauth-authorization-server/realms/{realm}` (Keycloak 26.4 and later), and
    /// the same with `openid-configuration` (RFC 8414 §5), which MCP SDKs try next.
    static func rootMetadataPaths(realmPath: String) -> Set<String> {
        [discovery, authorizationServerMetadata].reduce(into: []) { $0.insert($1.rawValue + realmPath) }
    }
}
