import Common
import Foundation
import HTTPFetch

/// Fetches the issuer's JWKS document, discovering its URI first unless configured.
struct ProviderKeySource: Sendable {
    /// A blocking GET returning status and body; run off the event loop.
    typealias Fetch = @Sendable (_ url: String) throws -> (status: Int, body: [UInt8])

    enum Failure: Error, CustomStringConvertible {
        case httpStatus(Int, url: String)
        case discoveryInvalid(String)
        case transport(String)

        var description: String {
            switch self {
            // Logged: without its query (where providers put keys) and userinfo.
            case .httpStatus(let status, let url): "\(HTTPURLRedaction.redact(url)) answered HTTP \(status)"
            case .discoveryInvalid(let reason): "discovery document refused: \(reason)"
            case .transport(let reason): reason
            }
        }
    }

    var issuer: String
    var configuredJWKSURI: String?
    var allowInsecureHTTP: Bool
    var fetch: Fetch
    /// Told the token and authorization endpoints whenever a discovery document is accepted.
    var endpointsDiscovered: @Sendable (AuthorizationServerEndpoints) -> Void = { _ in }

    var discoveryURL: String {
        (issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer) + "/.well-known/openid-configuration"
    }

    /// The JWKS URI: configured, or from the discovery document, whose `issuer` must be ours.
    func resolveJWKSURI() throws -> String {
        if let configuredJWKSURI { return configuredJWKSURI }
        let body = try get(discoveryURL)
        struct Discovery: Decodable {
            var issuer: String?
            var jwks_uri: String?
            var token_endpoint: String?
            var authorization_endpoint: String?
        }
        guard let discovery = try? JSONDecoder().decode(Discovery.self, from: Data(body)) else {
            throw Failure.discoveryInvalid("not a JSON object")
        }
        // OpenID Connect Discovery §4.3: the issuer must match exactly, or the document is for
        // another authorization server.
        guard discovery.issuer == issuer else {
            throw Failure.discoveryInvalid("its issuer does not match GATEHOUSE_ISSUER")
        }
        guard let uri = discovery.jwks_uri, let scheme = URLComponents(string: uri)?.scheme?.lowercased(),
            scheme == "https" || (scheme == "http" && allowInsecureHTTP)
        else {
            throw Failure.discoveryInvalid("jwks_uri is missing or not https")
        }
        endpointsDiscovered(.discovered(
            tokenEndpoint: discovery.token_endpoint, authorizationEndpoint: discovery.authorization_endpoint,
            issuer: issuer, allowInsecureHTTP: allowInsecureHTTP))
        return uri
    }

    func fetchDocument(from uri: String) throws -> [UInt8] {
        try get(uri)
    }

    private func get(_ url: String) throws -> [UInt8] {
        let response: (status: Int, body: [UInt8])
        do {
            response = try fetch(url)
        } catch {
            throw Failure.transport(String(describing: error))
        }
        guard response.status == 200 else { throw Failure.httpStatus(response.status, url: url) }
        return response.body
    }
}
