import Foundation

/// The parts of an absolute URL that configuration checks care about.
struct URLParts: Sendable, Equatable {
    var scheme: String
    var host: String
    var port: Int?
    var path: String
    var hasFragment: Bool
    var hasQuery: Bool
    var hasUserInfo: Bool

    init?(_ text: String) {
        // URLComponents lets a NUL through, and these URLs end up in response headers.
        guard !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }),
            let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { return nil }
        self.scheme = scheme
        self.host = host
        self.port = components.port
        self.path = components.path
        self.hasFragment = components.fragment != nil
        self.hasQuery = components.query != nil
        self.hasUserInfo = components.user != nil || components.password != nil
    }

    var origin: String {
        let defaultPort = scheme == "https" ? 443 : 80
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        if let port, port != defaultPort {
            return "\(scheme)://\(hostPart):\(port)"
        }
        return "\(scheme)://\(hostPart)"
    }
}
