import Common
import Foundation

/// A compact JWS split into its parts and its header checked; its signature not yet.
struct InspectedToken: Sendable {
    var header: JOSEHeader
    var algorithm: JWSAlgorithm
    var keyID: String
    var signingInput: ArraySlice<UInt8>
    var encodedPayload: ArraySlice<UInt8>
    var signature: [UInt8]
}

/// Applies RFC 8725 / RFC 9068 rules in two steps: `inspect` needs no key (so an unknown
/// `kid` can be looked up before anything else), `verify` checks the signature and the claims.
struct TokenValidator: Sendable {
    var policy: ValidationPolicy
    private let headers = JOSEHeaderCache()

    init(policy: ValidationPolicy) {
        self.policy = policy
    }

    /// Larger than any real access token; bounds the work an attacker can ask for.
    static let maximumTokenBytes = 16 * 1024

    func inspect(_ token: String) -> Result<InspectedToken, TokenRejection> {
        let bytes = Array(token.utf8)
        guard !bytes.isEmpty, bytes.count <= Self.maximumTokenBytes else { return .failure(.malformed) }
        let dots = bytes.indices.filter { bytes[$0] == UInt8(ascii: ".") }
        if dots.count == 4 && dots[0] > 0 { return .failure(.encrypted) }  // JWE compact serialization.
        guard dots.count == 2 else { return .failure(.malformed) }

        let encodedHeader = bytes[..<dots[0]]
        let encodedPayload = bytes[(dots[0] + 1)..<dots[1]]
        let encodedSignature = bytes[(dots[1] + 1)...]
        guard !encodedHeader.isEmpty, !encodedPayload.isEmpty else { return .failure(.malformed) }

        let header = headers.header(encoded: encodedHeader) {
            // One spelling per header and one meaning: canonical base64url, no repeated member.
            guard let headerJSON = try? base64URLDecodeCanonical(encodedHeader) else { return nil }
            return try? JOSEHeader(json: headerJSON)
        }
        guard let header else { return .failure(.malformed) }

        guard let name = header.alg else { return .failure(.malformed) }
        if name.lowercased() == "none" { return .failure(.algorithmNone) }
        guard let algorithm = JWSAlgorithm(rawValue: name), policy.algorithms.contains(algorithm) else {
            return .failure(.algorithmNotAllowed)
        }
        if header.hasCriticalMember { return .failure(.criticalHeader) }
        guard isAcceptedHeaderType(header.typ) else { return .failure(.typeNotAllowed) }
        guard let keyID = header.kid, !keyID.isEmpty else { return .failure(.keyIDMissing) }
        // An empty signature is a stripped one; decoding errors are malformed tokens.
        guard !encodedSignature.isEmpty else { return .failure(.badSignature) }
        // Canonical, so that `token + "=="` is not a second spelling of a valid token.
        guard let signature = try? base64URLDecodeCanonical(encodedSignature) else { return .failure(.malformed) }

        return .success(InspectedToken(
            header: header, algorithm: algorithm, keyID: keyID, signingInput: bytes[..<dots[1]],
            encodedPayload: encodedPayload, signature: signature))
    }

    func verify(_ token: InspectedToken, with key: VerificationKey, now: Double) -> Result<AccessToken, TokenRejection> {
        guard key.algorithm == token.algorithm else { return .failure(.algorithmKeyMismatch) }
        guard key.verify(signature: token.signature, signingInput: token.signingInput) else {
            return .failure(.badSignature)
        }
        guard let payloadJSON = try? base64URLDecodeCanonical(token.encodedPayload),
            let claims = try? TokenClaims(json: payloadJSON)
        else { return .failure(.malformedClaims) }
        return check(claims, keyID: token.keyID, keyThumbprint: key.thumbprint, now: now)
    }

    func check(_ claims: TokenClaims, keyID: String, keyThumbprint: String = "", now: Double) -> Result<AccessToken, TokenRejection> {
        let leeway = policy.leewaySeconds
        guard claims.iss == policy.issuer else { return .failure(.issuerMismatch) }
        guard let audiences = claims.aud?.values, audiences.contains(where: policy.audiences.contains) else {
            return .failure(.audienceMismatch)
        }
        guard let expiresAt = claims.exp else { return .failure(.expirationMissing) }
        guard now < expiresAt + leeway else { return .failure(.expired) }
        if let notBefore = claims.nbf, now + leeway < notBefore { return .failure(.notYetValid) }
        if let issuedAt = claims.iat, now + leeway < issuedAt { return .failure(.issuedInFuture) }
        // Keycloak marks its ID, refresh and logout tokens in the payload's `typ`.
        if let type = claims.typ, type.lowercased() != "bearer" { return .failure(.notAnAccessToken) }

        let clientID = claims.azp ?? claims.client_id
        if !policy.allowedClients.isEmpty {
            guard let clientID, policy.allowedClients.contains(clientID) else { return .failure(.clientNotAllowed) }
        }

        var scopes = Set<String>()
        if let scope = claims.scope {
            scopes.formUnion(scope.split(separator: " " as Character).lazy.map(String.init))
        }
        if let scp = claims.scp?.values {
            scopes.formUnion(scp.lazy.flatMap { $0.split(separator: " " as Character).lazy.map(String.init) })
        }
        if policy.scopesFromRoles, let roles = claims.realm_access?.roles {
            scopes.formUnion(roles)
        }
        return .success(AccessToken(
            subject: claims.sub, clientID: clientID, scopes: scopes, expiresAt: expiresAt, keyID: keyID,
            tokenID: claims.jti, keyThumbprint: keyThumbprint))
    }

    private func isAcceptedHeaderType(_ type: String?) -> Bool {
        let normalized = type?.lowercased()
        switch policy.typePolicy {
        case .standard:
            return normalized == nil || normalized == "at+jwt" || normalized == "application/at+jwt" || normalized == "jwt"
        case .strict:
            return normalized == "at+jwt" || normalized == "application/at+jwt"
        }
    }
}
