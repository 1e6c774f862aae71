/// The only hosts the development IdP may listen on.
///
/// It mints tokens for any caller that knows a (public, default) client secret, so it must never
/// be reachable from another machine.
enum LoopbackHost: String, Sendable, CaseIterable {
    case ipv4 = "127.0.0.1"
    case ipv6 = "::1"
    case localhost = "localhost"

    init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }

    /// Address handed to bind(2); `localhost` is pinned to IPv4 so the issuer URL is predictable.
    var bindAddress: String {
        switch self {
        case .ipv4, .localhost: "127.0.0.1"
        case .ipv6: "::1"
        }
    }

    /// Host part of URLs the IdP advertises (issuer, endpoints).
    var urlHost: String {
        switch self {
        case .ipv4, .localhost: "127.0.0.1"
        case .ipv6: "[::1]"
        }
    }

    static var allowedList: String {
        allCases.map(\.rawValue).joined(separator: ", ")
    }
}
