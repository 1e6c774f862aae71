/// Where the IdP listens.
///
/// It mints tokens for any caller that knows a client secret, and its `/admin` controls sign
/// whatever they are given, so by default it listens on loopback only and must never be
/// reachable from another machine. Inside a container, loopback is the container's own, so
/// standing in for Keycloak in a compose stack needs every interface of that namespace: allowed
/// with a public origin and clients whose secrets are not the published default, and with
/// `/admin` turned off (IdentityProviderCommand checks the first two, IdPRouter the third).
enum ListenHost: String, Sendable, CaseIterable {
    case ipv4 = "127.0.0.1"
    case ipv6 = "::1"
    case localhost = "localhost"
    case anyIPv4 = "0.0.0.0"
    case anyIPv6 = "::"

    init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }

    var isLoopback: Bool {
        switch self {
        case .ipv4, .ipv6, .localhost: true
        case .anyIPv4, .anyIPv6: false
        }
    }

    /// Address handed to bind(2); `localhost` is pinned to IPv4 so the issuer URL is predictable.
    var bindAddress: String {
        switch self {
        case .ipv4, .localhost: "127.0.0.1"
        case .ipv6: "::1"
        case .anyIPv4: "0.0.0.0"
        case .anyIPv6: "::"
        }
    }

    /// Host part of the URLs the IdP advertises (issuer, endpoints) when no public origin is
    /// given; nil for the wildcard addresses, which no client can connect to by that name.
    var urlHost: String? {
        switch self {
        case .ipv4, .localhost: "127.0.0.1"
        case .ipv6: "[::1]"
        case .anyIPv4, .anyIPv6: nil
        }
    }

    static var loopbackList: String {
        allCases.filter(\.isLoopback).map(\.rawValue).joined(separator: ", ")
    }
}
