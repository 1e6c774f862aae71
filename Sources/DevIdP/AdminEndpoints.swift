import Foundation

/// `/admin/*`: test controls (key rotation, outages, counters, crafted tokens).
///
/// Unauthenticated on purpose: they exist for tests, and only while the IdP listens on loopback
/// (IdPConfiguration.adminEnabled).
struct AdminEndpoints: Sendable {
    let state: IdPState

    func rotate() -> RouteOutcome {
        let keys = state.keys
        return .deferred {
            do {
                let active = try await keys.rotate()
                return .json(["rs256_kid": .string(active[.rs256]!), "es256_kid": .string(active[.es256]!)])
            } catch {
                FileHandle.standardError.write(Data("gatehouse-dev-idp: key rotation failed: \(error)\n".utf8))
                return .error(.internalServerError, "server_error", "Key rotation failed")
            }
        }
    }

    func retire() -> HTTPResult {
        let retired = state.keys.retirePassiveKeys()
        return .json(keysSummary(extra: [("retired", .strings(retired))]))
    }

    /// The kids currently published, for tests that need them without parsing the JWKS.
    func keys() -> HTTPResult {
        .json(keysSummary())
    }

    /// `kids` lists the signing keys still published; the encryption key is reported apart.
    private func keysSummary(extra: [(String, JSONValue)] = []) -> JSONValue {
        let active = state.keys.activeKids
        var summary = JSONObject([
            ("rs256_kid", .string(active[.rs256]!)),
            ("es256_kid", .string(active[.es256]!)),
            ("kids", .strings(state.keys.signingKids)),
            ("enc_kid", .string(state.keys.encryptionKid)),
        ])
        for (key, value) in extra { summary[key] = value }
        return .object(summary)
    }

    func setDown(_ down: Bool) -> HTTPResult {
        state.setDown(down)
        return .json(["down": .bool(down)])
    }

    func stats() -> HTTPResult {
        .json(state.currentStatistics.json)
    }

    func resetStats() -> HTTPResult {
        state.resetStatistics()
        return .json(state.currentStatistics.json)
    }

    /// Signs `payload` with the chosen key under a header merged over the defaults
    /// (`alg`, `typ`, `kid` of that key). A header field set to null removes it, for tokens
    /// without `typ` or `kid`. Nothing is added to the payload.
    func sign(_ body: [UInt8]) -> HTTPResult {
        guard let request = JSONValue.parse(body)?.objectValue else {
            return .error(.badRequest, "invalid_request", "Body must be a JSON object")
        }
        let keyName: String
        switch request["key"] {
        case nil, .null?: keyName = "rs256"
        case .string(let name)?: keyName = name
        default: return .error(.badRequest, "invalid_request", "key must be a string")
        }
        guard let key = state.keys.key(named: keyName) else {
            return .error(.badRequest, "invalid_request", "No signing key named \(keyName)")
        }
        var header = JWSCompactSigner.defaultHeader(for: key)
        switch request["header"] {
        case nil, .null?: break
        case .object(let given)?:
            for name in given.keys {
                header[name] = given[name] == .null ? nil : given[name]
            }
        default:
            return .error(.badRequest, "invalid_request", "header must be a JSON object")
        }
        let payload = request["payload"] ?? .object(JSONObject())
        do {
            let token = try JWSCompactSigner.sign(header: header, payload: payload, with: key)
            return .json(["token": .string(token), "kid": .string(key.kid), "alg": .string(key.algorithm.rawValue)])
        } catch {
            FileHandle.standardError.write(Data("gatehouse-dev-idp: signing failed: \(error)\n".utf8))
            return .error(.internalServerError, "server_error", "Signing failed")
        }
    }
}
