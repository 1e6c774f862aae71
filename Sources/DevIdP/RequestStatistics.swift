/// How often the provider was asked for each document, so tests can assert on caching
/// (e.g. that a fleet of workers fetched the JWKS once per rotation).
struct RequestStatistics: Sendable {
    var jwksRequests = 0
    var discoveryRequests = 0
    var tokenRequests = 0

    mutating func record(_ endpoint: RealmEndpoint) {
        switch endpoint {
        case .certs: jwksRequests += 1
        case .discovery, .authorizationServerMetadata: discoveryRequests += 1
        case .token: tokenRequests += 1
        case .authorization: break
        }
    }

    var json: JSONValue {
        [
            "jwks_requests": .int(Int64(jwksRequests)),
            "discovery_requests": .int(Int64(discoveryRequests)),
            "token_requests": .int(Int64(tokenRequests)),
        ]
    }
}
