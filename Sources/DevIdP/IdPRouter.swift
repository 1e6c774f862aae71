import NIOHTTP1

/// Maps a request to its endpoint: Keycloak's realm paths plus the `/admin` test controls.
struct IdPRouter: Sendable {
    let state: IdPState

    func route(_ request: IdPRequest) -> RouteOutcome {
        if request.path.hasPrefix("/admin/") {
            return state.configuration.adminEnabled ? routeAdmin(request) : .response(.notFound())
        }
        let endpoint = realmEndpoint(request.path)
        if let endpoint {
            // Counted before the outage check: tests measure attempts, not successes.
            state.record(endpoint)
        }
        if state.isDown {
            return .response(.error(
                .serviceUnavailable, "temporarily_unavailable", "Identity provider is down (simulated by /admin/down)"
            ))
        }
        if endpoint == nil, request.path.hasPrefix("/realms/"), !request.path.hasPrefix(state.configuration.realmPath + "/") {
            // Keycloak's answer for a realm it does not have.
            return .response(.json(["error": "Realm does not exist"], status: .notFound))
        }
        let issuer = state.configuration.issuer(port: request.localPort)
        switch endpoint {
        case .discovery?, .authorizationServerMetadata?:
            return only(.GET, request) {
                let extraScopes = state.configuration.clients.flatMap(\.allowedScopes)
                return .json(DiscoveryDocument.json(issuer: issuer, extraScopes: extraScopes), headers: ["Cache-Control": "no-cache"])
            }
        case .certs?:
            return only(.GET, request) {
                .json(state.keys.jwks, headers: ["Cache-Control": "no-cache"])
            }
        case .token?:
            return only(.POST, request) { TokenEndpoint(state: state).handle(request) }
        case .authorization?:
            // Advertised for completeness; interactive login is out of scope for a test IdP.
            return .response(.error(
                .notImplemented, "unsupported_response_type", "The development IdP has no login page; use client_credentials"
            ))
        case nil:
            return .response(.notFound())
        }
    }

    private func realmEndpoint(_ path: String) -> RealmEndpoint? {
        let prefix = state.configuration.realmPath
        if RealmEndpoint.rootMetadataPaths(realmPath: prefix).contains(path) { return .discovery }
        guard path.hasPrefix(prefix) else { return nil }
        return RealmEndpoint(rawValue: String(path.dropFirst(prefix.count)))
    }

    private func routeAdmin(_ request: IdPRequest) -> RouteOutcome {
        let admin = AdminEndpoints(state: state)
        switch request.path {
        case "/admin/rotate":
            guard request.method == .POST else { return .response(.methodNotAllowed(allowed: [.POST])) }
            return admin.rotate()
        case "/admin/retire": return only(.POST, request) { admin.retire() }
        case "/admin/down": return only(.POST, request) { admin.setDown(true) }
        case "/admin/up": return only(.POST, request) { admin.setDown(false) }
        case "/admin/stats": return only(.GET, request) { admin.stats() }
        case "/admin/stats/reset": return only(.POST, request) { admin.resetStats() }
        case "/admin/sign": return only(.POST, request) { admin.sign(request.body) }
        case "/admin/keys": return only(.GET, request) { admin.keys() }
        default: return .response(.notFound())
        }
    }

    private func only(_ method: HTTPMethod, _ request: IdPRequest, _ respond: () -> HTTPResult) -> RouteOutcome {
        guard request.method == method else {
            return .response(.methodNotAllowed(allowed: [method]))
        }
        return .response(respond())
    }
}
