import Common
import Crypto
import CryptoExtras
import Foundation
import TestSupport
import Testing
@testable import Worker

/// `TokenValidator` driven the way the worker drives it: JWKS -> `JWKSParser` -> `inspect` ->
/// key by `kid` (nil is `kid_unknown`) -> `verify`. Tokens are signed in-process by
/// `TestSigningKeys` (kids `rs256-key`, `ps256-key`, `es256-key`, `eddsa-key`; `attacker-key`
/// is never published).
@Suite("TokenValidator")
struct TokenValidatorTests {
    static let issuer = "https://auth.example.test/realms/mcp-realm"
    static let resource = "https://mcp.example.test/mcp"
    /// A fixed clock: every time claim below is relative to it.
    static let now = 1_750_000_000
    static let policy = ValidationPolicy(issuer: issuer, audiences: [resource])

    let keys: TestSigningKeys
    /// The published keys as the worker would hold them.
    let keySet: [String: VerificationKey]

    init() async throws {
        keys = try await TestSigningKeys.shared()
        let outcome = try await JWKSParser(acceptedAlgorithms: JWSAlgorithm.defaults).parse(keys.jwks())
        keySet = outcome.keys
        #expect(outcome.skipped.isEmpty, "the test JWKS itself lost keys: \(outcome.skipped)")
    }

    // MARK: Helpers

    /// inspect -> look up `kid` -> verify, exactly like the request path.
    func validate(
        _ token: String, policy: ValidationPolicy = Self.policy, keySet: [String: VerificationKey]? = nil,
        now: Int = Self.now
    ) -> Result<AccessToken, TokenRejection> {
        let validator = TokenValidator(policy: policy)
        let inspected: InspectedToken
        switch validator.inspect(token) {
        case .success(let value): inspected = value
        case .failure(let rejection): return .failure(rejection)
        }
        guard let key = (keySet ?? self.keySet)[inspected.keyID] else { return .failure(.keyIDUnknown) }
        return validator.verify(inspected, with: key, now: Double(now))
    }

    func rejection(
        _ token: String, policy: ValidationPolicy = Self.policy, keySet: [String: VerificationKey]? = nil,
        now: Int = Self.now
    ) -> TokenRejection? {
        if case .failure(let rejection) = validate(token, policy: policy, keySet: keySet, now: now) { return rejection }
        return nil
    }

    /// An RFC 9068-shaped payload; `changes` set claims, a nil value removes one.
    static func claims(_ changes: [String: Any?] = [:]) -> [String: Any] {
        var claims: [String: Any] = [
            "iss": issuer, "sub": "user-1234", "aud": resource, "exp": now + 300, "iat": now - 10,
            "nbf": now - 10, "jti": "token-0001", "azp": "mcp-client", "scope": "mcp:read mcp:write",
        ]
        for (name, value) in changes { claims[name] = value }
        return claims
    }

    func token(
        _ algorithm: TestSigningAlgorithm = .rs256, claims changes: [String: Any?] = [:],
        header extra: [String: Any] = [:], removing: Set<String> = []
    ) throws -> String {
        let key = keys.key(for: algorithm)
        return try key.sign(payload: Self.claims(changes), header: key.header(extra, removing: removing))
    }

    // MARK: Accepted tokens and claim mapping

    @Test("a token from each default algorithm is accepted and its claims mapped", arguments: TestSigningAlgorithm.allCases)
    func acceptsEachDefaultAlgorithm(_ algorithm: TestSigningAlgorithm) throws {
        let accessToken = try validate(try token(algorithm)).get()
        #expect(accessToken.keyID == keys.key(for: algorithm).kid)
        #expect(accessToken.subject == "user-1234")
        #expect(accessToken.clientID == "mcp-client")
        #expect(accessToken.scopes == ["mcp:read", "mcp:write"])
        #expect(accessToken.expiresAt == Double(Self.now + 300))
        #expect(accessToken.tokenID == "token-0001")
        #expect(accessToken.principal == Principal(subject: "user-1234", clientID: "mcp-client"))
    }

    @Test func clientIDComesFromClientIDClaimWhenThereIsNoAzp() throws {
        let accessToken = try validate(try token(claims: ["azp": nil, "client_id": "service-client"])).get()
        #expect(accessToken.clientID == "service-client")
    }

    @Test func azpWinsOverClientID() throws {
        let accessToken = try validate(try token(claims: ["azp": "from-azp", "client_id": "from-client-id"])).get()
        #expect(accessToken.clientID == "from-azp")
    }

    @Test func noClientClaimsMeansNoClientID() throws {
        let accessToken = try validate(try token(claims: ["azp": nil])).get()
        #expect(accessToken.clientID == nil)
    }

    @Test func scopesFromScpArray() throws {
        let accessToken = try validate(try token(claims: ["scope": nil, "scp": ["mcp:read", "tools:call"]])).get()
        #expect(accessToken.scopes == ["mcp:read", "tools:call"])
    }

    @Test func scopesFromScpString() throws {
        let accessToken = try validate(try token(claims: ["scope": nil, "scp": "mcp:read tools:call"])).get()
        #expect(accessToken.scopes == ["mcp:read", "tools:call"])
    }

    @Test func scopeAndScpAreCombined() throws {
        let accessToken = try validate(try token(claims: ["scope": "a b", "scp": ["c"]])).get()
        #expect(accessToken.scopes == ["a", "b", "c"])
    }

    @Test func noScopeClaimsMeansNoScopes() throws {
        let accessToken = try validate(try token(claims: ["scope": nil])).get()
        #expect(accessToken.scopes.isEmpty)
    }

    @Test func keycloakShapedTokenPassesWithDefaultPolicy() throws {
        let payload: [String: Any] = [
            "exp": Self.now + 300, "iat": Self.now - 5, "auth_time": Self.now - 60, "jti": "onrtac:5f1e2d3c",
            "iss": Self.issuer, "aud": [Self.resource, "account"], "sub": "6b4d1c2e-9a8f-4e3d-b2a1-0c9d8e7f6a5b",
            "typ": "Bearer", "azp": "mcp-inspector", "sid": "1f2e3d4c", "acr": "1",
            "allowed-origins": ["https://inspector.example.test"],
            "realm_access": ["roles": ["offline_access", "uma_authorization", "default-roles-mcp-realm"]],
            "resource_access": ["account": ["roles": ["manage-account", "view-profile"]]],
            "scope": "openid profile email mcp:read", "email_verified": true, "preferred_username": "alice",
            "name": "Alice Example", "given_name": "Alice", "family_name": "Example", "email": "alice@example.test",
        ]
        let token = try keys.rs256.sign(payload: payload, header: ["alg": "RS256", "typ": "JWT", "kid": keys.rs256.kid])
        let accessToken = try validate(token).get()
        #expect(accessToken.subject == "6b4d1c2e-9a8f-4e3d-b2a1-0c9d8e7f6a5b")
        #expect(accessToken.clientID == "mcp-inspector")
        #expect(accessToken.scopes == ["openid", "profile", "email", "mcp:read"])
        // Realm roles are not scopes unless the policy says so.
        #expect(!accessToken.scopes.contains("offline_access"))
    }

    // MARK: Algorithms

    @Test("alg none in any spelling is refused", arguments: ["none", "None", "NONE", "nOnE"])
    func algNoneIsRefused(_ alg: String) throws {
        let unsecured = try TokenForge.unsecured(alg: alg, kid: keys.rs256.kid, payload: Self.claims())
        #expect(rejection(unsecured) == .algorithmNone)
    }

    @Test func algNoneIsRefusedEvenWithAGenuineSignatureAttached() throws {
        let signed = try token()
        let signature = String(signed.split(separator: ".")[2])
        let unsecured = try TokenForge.unsecured(alg: "none", kid: keys.rs256.kid, payload: Self.claims())
        #expect(rejection(unsecured + signature) == .algorithmNone)
    }

    @Test("HS256 signed with the RSA public key (key confusion) is refused", arguments: TokenForge.PublicKeySecret.allCases)
    func keyConfusionIsRefused(_ secret: TokenForge.PublicKeySecret) throws {
        let forged = try TokenForge.keyConfusion(publicKeyOf: keys.rs256, payload: Self.claims(), secret: secret)
        #expect(rejection(forged) == .algorithmNotAllowed)
        // Even a policy that accepts every asymmetric algorithm has no HMAC.
        let everything = ValidationPolicy(issuer: Self.issuer, audiences: [Self.resource], algorithms: JWSAlgorithm.allCases)
        #expect(rejection(forged, policy: everything) == .algorithmNotAllowed)
    }

    @Test func algorithmOutsideThePolicyIsRefused() throws {
        let rs256Only = ValidationPolicy(issuer: Self.issuer, audiences: [Self.resource], algorithms: [.rs256])
        #expect(rejection(try token(.es256), policy: rs256Only) == .algorithmNotAllowed)
        #expect(rejection(try token(.ps256), policy: rs256Only) == .algorithmNotAllowed)
        #expect(rejection(try token(.eddsa), policy: rs256Only) == .algorithmNotAllowed)
        #expect(rejection(try token(.rs256), policy: rs256Only) == nil)
    }

    @Test("unknown or differently spelled alg is refused",
          arguments: ["HS256", "HS512", "RS1", "ES256K", "rs256", "Rs256", "EDDSA", "Ed25519", "RSA-OAEP", "dir", ""])
    func unknownAlgorithmIsRefused(_ alg: String) throws {
        #expect(rejection(try token(header: ["alg": alg])) == .algorithmNotAllowed)
    }

    @Test func algThatIsNotAStringIsMalformed() throws {
        #expect(rejection(try token(header: ["alg": 256])) == .malformed)
    }

    // MARK: Key selection

    @Test func unknownKidIsRefused() throws {
        #expect(rejection(try token(header: ["kid": "no-such-key"])) == .keyIDUnknown)
    }

    @Test func missingKidIsRefused() throws {
        #expect(rejection(try token(removing: ["kid"])) == .keyIDMissing)
    }

    @Test func emptyKidIsRefused() throws {
        #expect(rejection(try token(header: ["kid": ""])) == .keyIDMissing)
    }

    @Test func kidThatIsNotAStringIsMalformed() throws {
        #expect(rejection(try token(header: ["kid": 7])) == .malformed)
    }

    @Test func ecKeyIDUnderAnRS256HeaderIsAnAlgorithmKeyMismatch() throws {
        // Signed by the RSA key, but naming the EC key.
        #expect(rejection(try token(.rs256, header: ["kid": keys.es256.kid])) == .algorithmKeyMismatch)
    }

    @Test func rsaKeyIDUnderAnES256HeaderIsAnAlgorithmKeyMismatch() throws {
        #expect(rejection(try token(.es256, header: ["kid": keys.rs256.kid])) == .algorithmKeyMismatch)
    }

    @Test func ps256SignatureWithTheKeyBoundToRS256IsAnAlgorithmKeyMismatch() async throws {
        // Same key material, same kid, but the JWKS bound it to RS256.
        let pss = try await keys.rs256.resigning(as: .ps256)
        let token = try pss.sign(payload: Self.claims())
        #expect(TokenForge.decodedPart(token, 0)?["alg"] as? String == "PS256")
        #expect(rejection(token) == .algorithmKeyMismatch)
    }

    @Test func pkcs1SignatureUnderAPS256HeaderIsABadSignature() async throws {
        // The PS256-bound key's own private key, but PKCS#1 v1.5 padding under a PS256 header.
        let pkcs1 = try await keys.ps256.resigning(as: .rs256)
        let token = try pkcs1.sign(payload: Self.claims(), header: keys.ps256.header())
        #expect(rejection(token) == .badSignature)
    }

    @Test func rsaKeyWithoutAlgInTheJWKSStillRefusesPS256() async throws {
        // A JWK without `alg` binds to RS256 up front; a PS256 token must not re-bind it.
        let outcome = try await JWKSParser(acceptedAlgorithms: JWSAlgorithm.defaults)
            .parse(keys.jwks([keys.rs256], includeAlgorithm: false))
        let pss = try await keys.rs256.resigning(as: .ps256)
        let pssToken = try pss.sign(payload: Self.claims())
        #expect(rejection(pssToken, keySet: outcome.keys) == .algorithmKeyMismatch)
        // ... and an RS256 token still verifies afterwards.
        #expect(rejection(try token(.rs256), keySet: outcome.keys) == nil)
    }

    @Test func algorithmAllowedByPolicyButNotBoundToTheKeyIsAMismatch() async throws {
        let everything = ValidationPolicy(issuer: Self.issuer, audiences: [Self.resource], algorithms: JWSAlgorithm.allCases)
        // RS384 passes the policy, but the key is bound to RS256.
        #expect(rejection(try token(.rs256, header: ["alg": "RS384"]), policy: everything) == .algorithmKeyMismatch)
    }

    @Test func ourKidSignedByADifferentRSAKeyIsABadSignature() throws {
        let forged = try keys.attacker.sign(payload: Self.claims(), header: keys.rs256.header())
        #expect(rejection(forged) == .badSignature)
    }

    @Test("RS384 and RS512 keys verify their own signatures and nothing else", arguments: [JWSAlgorithm.rs384, .rs512])
    func pkcs1WithLongerDigests(algorithm: JWSAlgorithm) async throws {
        let everything = ValidationPolicy(issuer: Self.issuer, audiences: [Self.resource], algorithms: JWSAlgorithm.allCases)
        guard let privateKey = keys.rs256.rsaPrivateKey else { throw TestSigningError("the RS256 test key is not RSA") }
        var jwk = keys.rs256.publicJWK(extra: ["alg": algorithm.rawValue])
        jwk["kid"] = "pkcs1-\(algorithm.rawValue)"
        let outcome = try await JWKSParser(acceptedAlgorithms: JWSAlgorithm.allCases).parse(TestSigningKeys.jwks(entries: [jwk]))
        #expect(outcome.skipped.isEmpty)
        func token(alg: String, digest: (ArraySlice<UInt8>) -> any Digest) throws -> String {
            let header = try TokenForge.json(["alg": alg, "typ": "JWT", "kid": "pkcs1-\(algorithm.rawValue)"])
            let input = TokenForge.base64URL(header) + "." + TokenForge.base64URL(try TokenForge.json(Self.claims()))
            let signature = try privateKey.signature(for: digest(ArraySlice(input.utf8)), padding: .insecurePKCS1v1_5)
            return input + "." + TokenForge.base64URL(signature.rawRepresentation)
        }
        let matching: (ArraySlice<UInt8>) -> any Digest = algorithm == .rs384 ? { SHA384.hash(data: $0) } : { SHA512.hash(data: $0) }
        let genuine = try token(alg: algorithm.rawValue, digest: matching)
        #expect(rejection(genuine, policy: everything, keySet: outcome.keys) == nil)
        // A SHA-256 digest signed by the same key, under this algorithm's name: the digest is the algorithm's.
        let wrongDigest = try token(alg: algorithm.rawValue, digest: { SHA256.hash(data: $0) })
        #expect(rejection(wrongDigest, policy: everything, keySet: outcome.keys) == .badSignature)
        // One signature bit flipped.
        var bytes = Array(genuine.utf8)
        let last = bytes.count - 2
        bytes[last] = bytes[last] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(rejection(String(decoding: bytes, as: UTF8.self), policy: everything, keySet: outcome.keys) == .badSignature)
    }

    // MARK: Time

    @Test func expiredTokenIsRefused() throws {
        #expect(rejection(try token(claims: ["exp": Self.now - 120, "iat": Self.now - 600, "nbf": Self.now - 600])) == .expired)
    }

    @Test func expiredWithinLeewayIsAccepted() throws {
        #expect(rejection(try token(claims: ["exp": Self.now - 30])) == nil)
    }

    @Test func expiredExactlyAtTheLeewayIsRefused() throws {
        #expect(rejection(try token(claims: ["exp": Self.now - 60])) == .expired)
    }

    @Test func leewayComesFromThePolicy() throws {
        let strictClock = ValidationPolicy(issuer: Self.issuer, audiences: [Self.resource], leewaySeconds: 0)
        #expect(rejection(try token(claims: ["exp": Self.now - 30]), policy: strictClock) == .expired)
        #expect(rejection(try token(claims: ["nbf": Self.now + 30]), policy: strictClock) == .notYetValid)
    }

    @Test func notBeforeInTheFutureIsRefused() throws {
        #expect(rejection(try token(claims: ["nbf": Self.now + 300, "exp": Self.now + 900])) == .notYetValid)
    }

    @Test func notBeforeWithinLeewayIsAccepted() throws {
        #expect(rejection(try token(claims: ["nbf": Self.now + 30])) == nil)
    }

    @Test func issuedInTheFutureBeyondLeewayIsRefused() throws {
        #expect(rejection(try token(claims: ["iat": Self.now + 300, "nbf": nil, "exp": Self.now + 900])) == .issuedInFuture)
    }

    @Test func issuedInTheFutureWithinLeewayIsAccepted() throws {
        #expect(rejection(try token(claims: ["iat": Self.now + 30, "nbf": nil])) == nil)
    }

    @Test func missingExpirationIsRefused() throws {
        #expect(rejection(try token(claims: ["exp": nil])) == .expirationMissing)
    }

    @Test("a time claim of the wrong type is malformed", arguments: ["exp", "nbf", "iat"])
    func timeClaimAsStringIsMalformed(_ claim: String) throws {
        #expect(rejection(try token(claims: [claim: String(Self.now + 300)])) == .malformedClaims)
    }

    @Test func fractionalTimesAreAccepted() throws {
        let accessToken = try validate(try token(claims: ["exp": Double(Self.now) + 300.5])).get()
        #expect(accessToken.expiresAt == Double(Self.now) + 300.5)
    }

    // MARK: Issuer and audience

    @Test("an issuer that is not exactly ours is refused", arguments: [
        "https://evil.example.test/realms/mcp-realm",
        "https://auth.example.test/realms/mcp-realm/",
        "https://auth.example.test/realms/MCP-REALM",
        "HTTPS://AUTH.EXAMPLE.TEST/realms/mcp-realm",
        "http://auth.example.test/realms/mcp-realm",
        "https://auth.example.test/realms/mcp-realm-2",
        "https://auth.example.test/realms",
        "",
    ])
    func wrongIssuerIsRefused(_ issuer: String) throws {
        #expect(rejection(try token(claims: ["iss": issuer])) == .issuerMismatch)
    }

    @Test func missingIssuerIsRefused() throws {
        #expect(rejection(try token(claims: ["iss": nil])) == .issuerMismatch)
    }

    @Test func issuerThatIsNotAStringIsMalformed() throws {
        #expect(rejection(try token(claims: ["iss": ["https://auth.example.test/realms/mcp-realm"]])) == .malformedClaims)
    }

    @Test func wrongAudienceIsRefused() throws {
        #expect(rejection(try token(claims: ["aud": "https://other.example.test/mcp"])) == .audienceMismatch)
        #expect(rejection(try token(claims: ["aud": "account"])) == .audienceMismatch)
        #expect(rejection(try token(claims: ["aud": Self.resource + "/"])) == .audienceMismatch)
        #expect(rejection(try token(claims: ["aud": ["account", "https://other.example.test/mcp"]])) == .audienceMismatch)
        #expect(rejection(try token(claims: ["aud": [String]()])) == .audienceMismatch)
    }

    @Test func missingAudienceIsRefused() throws {
        #expect(rejection(try token(claims: ["aud": nil])) == .audienceMismatch)
    }

    @Test func audienceArrayContainingTheResourceIsAccepted() throws {
        #expect(rejection(try token(claims: ["aud": ["account", Self.resource]])) == nil)
    }

    @Test func audienceStringEqualToTheResourceIsAccepted() throws {
        #expect(rejection(try token(claims: ["aud": Self.resource])) == nil)
    }

    @Test func audienceArrayWithANonStringIsMalformed() throws {
        #expect(rejection(try token(claims: ["aud": [Self.resource, 42] as [Any]])) == .malformedClaims)
    }

    // MARK: Signatures

    @Test("a tampered payload keeps the old signature and is refused", arguments: TestSigningAlgorithm.allCases)
    func tamperedPayloadIsABadSignature(_ algorithm: TestSigningAlgorithm) throws {
        let genuine = try token(algorithm, claims: ["scope": "mcp:read"])
        #expect(rejection(genuine) == nil)
        let tampered = try TokenForge.tamperingClaims(of: genuine, ["scope": "mcp:read mcp:admin"])
        #expect(rejection(tampered) == .badSignature)
    }

    @Test("a stripped signature is refused", arguments: TestSigningAlgorithm.allCases)
    func strippedSignatureIsABadSignature(_ algorithm: TestSigningAlgorithm) throws {
        #expect(rejection(try TokenForge.strippingSignature(of: try token(algorithm))) == .badSignature)
    }

    @Test func signatureThatIsNotBase64URLIsMalformed() throws {
        #expect(rejection(try TokenForge.replacingSignature(of: try token(), with: "!!not*base64!!")) == .malformed)
        // Standard base64's `+` and `/` are not base64url.
        #expect(rejection(try TokenForge.replacingSignature(of: try token(), with: "ab+/cd+/")) == .malformed)
    }

    @Test("well-formed garbage signatures are bad signatures", arguments: TestSigningAlgorithm.allCases)
    func garbageSignatureIsABadSignature(_ algorithm: TestSigningAlgorithm) throws {
        let genuine = try token(algorithm)
        for garbage in [[UInt8](repeating: 0, count: 1), TokenForge.randomBytes(64), TokenForge.randomBytes(256)] {
            let forged = try TokenForge.replacingSignature(of: genuine, with: TokenForge.base64URL(garbage))
            #expect(rejection(forged) == .badSignature, "\(garbage.count) garbage bytes")
        }
    }

    @Test func psychicSignatureIsRefused() throws {
        // CVE-2022-21449: r = s = 0 must never verify.
        let forged = try TokenForge.replacingSignature(of: try token(.es256), with: TokenForge.base64URL([UInt8](repeating: 0, count: 64)))
        #expect(rejection(forged) == .badSignature)
    }

    @Test func signatureFromAnotherTokenIsRefused() throws {
        let first = try token(claims: ["sub": "alice"])
        let second = try token(claims: ["sub": "mallory"])
        let spliced = try TokenForge.replacingSignature(of: second, with: String(first.split(separator: ".")[2]))
        #expect(rejection(spliced) == .badSignature)
    }

    @Test func payloadThatIsNotAJSONObjectIsMalformedClaims() throws {
        for payload in ["[1,2,3]", "\"text\"", "not json", "{\"iss\":"] {
            let token = try keys.rs256.sign(headerJSON: try TokenForge.json(keys.rs256.header()), payloadJSON: Array(payload.utf8))
            #expect(rejection(token) == .malformedClaims, "payload \(payload)")
        }
    }

    // MARK: Headers that must not be trusted

    @Test("jku, x5u, jwk and x5c are never followed: an attacker kid stays unknown",
          arguments: ["jku", "x5u", "jwk", "x5c"])
    func keyURLHeadersWithAttackerKidAreRefused(_ name: String) throws {
        let forged = try keys.attacker.sign(payload: Self.claims(), header: keys.attacker.header([name: attackerValue(for: name)]))
        #expect(rejection(forged) == .keyIDUnknown)
    }

    @Test("jku, x5u, jwk and x5c are never followed: our kid with the attacker's signature fails",
          arguments: ["jku", "x5u", "jwk", "x5c"])
    func keyURLHeadersWithOurKidAreRefused(_ name: String) throws {
        let forged = try keys.attacker.sign(payload: Self.claims(), header: keys.rs256.header([name: attackerValue(for: name)]))
        #expect(rejection(forged) == .badSignature)
    }

    private func attackerValue(for header: String) -> Any {
        switch header {
        case "jwk": keys.attacker.publicJWK()
        case "x5c": [TokenForge.base64URL(keys.attacker.publicKeyDER ?? [])]
        default: "https://attacker.example.test/jwks.json"
        }
    }

    @Test func critIsRefusedWhateverItHolds() throws {
        #expect(rejection(try token(header: ["crit": ["exp"], "exp": Self.now + 300])) == .criticalHeader)
        #expect(rejection(try token(header: ["crit": [String]()])) == .criticalHeader)
        #expect(rejection(try token(header: ["crit": ["b64"], "b64": false])) == .criticalHeader)
        #expect(rejection(try token(header: ["crit": NSNull()])) == .criticalHeader)
    }

    // MARK: Structure

    @Test func jweIsRefusedAsEncrypted() throws {
        #expect(rejection(try TokenForge.jweShaped()) == .encrypted)
        #expect(rejection(try TokenForge.jweShaped(kid: keys.rs256.kid)) == .encrypted)
    }

    static let malformedTokens: [String] = [
        "", "abc", "a.b", "a.b.c.d", "..", ".b.c", "a..c", "a.b.c.d.e.f",
        // Header not base64url, not JSON, a JSON array, a JSON string, without alg.
        "!!!." + TokenForge.base64URL("{}") + ".c2ln",
        TokenForge.base64URL("not json") + "." + TokenForge.base64URL("{}") + ".c2ln",
        TokenForge.base64URL("[\"RS256\"]") + "." + TokenForge.base64URL("{}") + ".c2ln",
        TokenForge.base64URL("\"RS256\"") + "." + TokenForge.base64URL("{}") + ".c2ln",
        TokenForge.base64URL("{\"typ\":\"JWT\",\"kid\":\"rs256-key\"}") + "." + TokenForge.base64URL("{}") + ".c2ln",
        TokenForge.base64URL("{\"alg\":null,\"kid\":\"rs256-key\"}") + "." + TokenForge.base64URL("{}") + ".c2ln",
        // Larger than any real access token.
        String(repeating: "A", count: 10_000) + "." + String(repeating: "B", count: 10_000) + ".c2ln",
    ]

    @Test("garbage is malformed", arguments: TokenValidatorTests.malformedTokens)
    func garbageIsMalformed(_ token: String) {
        #expect(rejection(token) == .malformed)
    }

    @Test func oversizedButOtherwiseValidTokenIsMalformed() throws {
        let padding = String(repeating: "x", count: 20 * 1024)
        let oversized = try token(claims: ["padding": padding])
        #expect(oversized.utf8.count > TokenValidator.maximumTokenBytes)
        #expect(rejection(oversized) == .malformed)
    }

    @Test("five parts with an empty header are malformed, not encrypted", arguments: ["....", ".b.c.d.e"])
    func fivePartsWithoutAHeaderAreMalformed(_ token: String) {
        // Four dots alone do not make a JWE: a JWE always has a protected header (RFC 7516 §7.1),
        // so this is garbage, and the logged reason should say so. (A non-empty first part is
        // classified as encrypted by part count, as RFC 7516 §9 describes.)
        #expect(rejection(token) == .malformed)
        #expect(rejection("a.b.c.d.e") == .encrypted)
    }

    // MARK: Token type policy

    @Test("header typ accepted by the standard policy", arguments: ["at+jwt", "application/at+jwt", "JWT", "jwt", "AT+JWT", nil] as [String?])
    func standardTypeAccepted(_ typ: String?) throws {
        let typed = try token(header: typ.map { ["typ": $0] } ?? [:], removing: typ == nil ? ["typ"] : [])
        #expect(rejection(typed) == nil)
    }

    @Test("header typ refused by the standard policy",
          arguments: ["JWS", "JOSE", "id_token+jwt", "logout+jwt", "secevent+jwt", "application/jwt", "dpop+jwt", ""])
    func standardTypeRefused(_ typ: String) throws {
        #expect(rejection(try token(header: ["typ": typ])) == .typeNotAllowed)
    }

    @Test("header typ under the strict policy",
          arguments: [("at+jwt", true), ("application/at+jwt", true), ("AT+JWT", true), ("JWT", false), ("jwt", false), (nil, false)] as [(String?, Bool)])
    func strictType(_ typ: String?, accepted: Bool) throws {
        let strict = ValidationPolicy(issuer: Self.issuer, audiences: [Self.resource], typePolicy: .strict)
        let typed = try token(header: typ.map { ["typ": $0] } ?? [:], removing: typ == nil ? ["typ"] : [])
        #expect(rejection(typed, policy: strict) == (accepted ? nil : .typeNotAllowed))
    }

    @Test("Keycloak's ID, refresh and logout tokens are not access tokens", arguments: ["ID", "Refresh", "Logout", "Offline", "id"])
    func payloadTypeRefused(_ typ: String) throws {
        #expect(rejection(try token(claims: ["typ": typ])) == .notAnAccessToken)
    }

    @Test("payload typ Bearer is an access token", arguments: ["Bearer", "bearer", "BEARER"])
    func payloadTypeBearerAccepted(_ typ: String) throws {
        #expect(rejection(try token(claims: ["typ": typ])) == nil)
    }

    // MARK: Client allow-list and roles

    @Test func clientOutsideTheAllowListIsRefused() throws {
        let policy = ValidationPolicy(issuer: Self.issuer, audiences: [Self.resource], allowedClients: ["mcp-inspector", "claude"])
        #expect(rejection(try token(claims: ["azp": "mcp-client"]), policy: policy) == .clientNotAllowed)
        #expect(rejection(try token(claims: ["azp": nil, "client_id": nil]), policy: policy) == .clientNotAllowed)
        // azp decides even when client_id names an allowed client.
        #expect(rejection(try token(claims: ["azp": "mcp-client", "client_id": "claude"]), policy: policy) == .clientNotAllowed)
        // Exact match.
        #expect(rejection(try token(claims: ["azp": "Claude"]), policy: policy) == .clientNotAllowed)
    }

    @Test func clientInTheAllowListIsAccepted() throws {
        let policy = ValidationPolicy(issuer: Self.issuer, audiences: [Self.resource], allowedClients: ["mcp-inspector", "claude"])
        #expect(try validate(try token(claims: ["azp": "claude"]), policy: policy).get().clientID == "claude")
        #expect(try validate(try token(claims: ["azp": nil, "client_id": "mcp-inspector"]), policy: policy).get().clientID == "mcp-inspector")
    }

    @Test func realmRolesBecomeScopesOnlyWhenThePolicySaysSo() throws {
        let withRealmRoles = try token(claims: ["scope": "mcp:read", "realm_access": ["roles": ["mcp:admin", "offline_access"]]])
        #expect(try validate(withRealmRoles).get().scopes == ["mcp:read"])
        let withRoles = ValidationPolicy(issuer: Self.issuer, audiences: [Self.resource], scopesFromRoles: true)
        #expect(try validate(withRealmRoles, policy: withRoles).get().scopes == ["mcp:read", "mcp:admin", "offline_access"])
    }

    // MARK: check(_:keyID:now:) directly

    @Test func checkMapsClaimsWithoutASignature() throws {
        let claims = try TokenClaims(json: try TokenForge.json(Self.claims()))
        let accessToken = try TokenValidator(policy: Self.policy).check(claims, keyID: "some-kid", now: Double(Self.now)).get()
        #expect(accessToken.keyID == "some-kid")
        #expect(accessToken.scopes == ["mcp:read", "mcp:write"])
        let late = TokenValidator(policy: Self.policy).check(claims, keyID: "some-kid", now: Double(Self.now + 1000))
        #expect(late == .failure(.expired))
    }
}

/// One token, one spelling, one meaning (RFC 7515 §2 and §4, RFC 8725 §3.11).
@Suite("Strict JOSE decoding")
struct StrictJOSETests {
    let keys: TestSigningKeys
    let keySet: [String: VerificationKey]

    init() async throws {
        keys = try await TestSigningKeys.shared()
        keySet = try await JWKSParser(acceptedAlgorithms: JWSAlgorithm.defaults).parse(keys.jwks()).keys
    }

    func validate(_ token: String) -> Result<AccessToken, TokenRejection> {
        let validator = TokenValidator(policy: TokenValidatorTests.policy)
        switch validator.inspect(token) {
        case .failure(let rejection): return .failure(rejection)
        case .success(let inspected):
            guard let key = keySet[inspected.keyID] else { return .failure(.keyIDUnknown) }
            return validator.verify(inspected, with: key, now: Double(TokenValidatorTests.now))
        }
    }

    var valid: String { get throws { try keys.rs256.sign(payload: TokenValidatorTests.claims()) } }

    @Test func theCanonicalTokenPasses() throws {
        #expect(throws: Never.self) { try validate(try valid).get() }
    }

    /// Decoders accept padding and ignore stray bits, which would give a valid token other
    /// spellings (and other cache entries); each is refused.
    @Test(arguments: ["==", "=", "%3D"])
    func paddingAfterTheSignatureIsRefused(_ suffix: String) throws {
        guard case .failure(let rejection) = validate(try valid + suffix) else {
            Issue.record("\(suffix) after the signature was accepted")
            return
        }
        #expect(rejection == .malformed)
    }

    @Test func strayBitsInAnyPartAreRefused() throws {
        let parts = try valid.split(separator: ".").map(String.init)
        for index in parts.indices {
            var part = Array(parts[index].utf8)
            // The last character of an unpadded group of 2 or 3 carries unused low bits.
            guard part.count % 4 != 0 else { continue }
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
            let value = alphabet.firstIndex(of: part[part.count - 1])!
            part[part.count - 1] = alphabet[value | 1]  // Sets an unused bit: same bytes decoded.
            var altered = parts
            altered[index] = String(decoding: part, as: UTF8.self)
            guard altered != parts else { continue }
            #expect(throws: (any Error).self, "a stray bit in part \(index) was accepted") {
                try validate(altered.joined(separator: ".")).get()
            }
        }
    }

    @Test func aRepeatedHeaderMemberIsRefused() throws {
        let header = #"{"alg":"RS256","typ":"JWT","kid":"\#(keys.rs256.kid)","kid":"\#(keys.es256.kid)"}"#
        let token = try keys.rs256.sign(headerJSON: Array(header.utf8), payloadJSON: TokenForge.json(TokenValidatorTests.claims()))
        #expect(throws: TokenRejection.malformed) { try validate(token).get() }
    }

    @Test func aRepeatedClaimIsRefusedEvenWhenBothValuesWouldPass() throws {
        let claims = try JSONSerialization.jsonObject(with: Data(TokenForge.json(TokenValidatorTests.claims()))) as! [String: Any]
        var json = String(decoding: try TokenForge.json(claims), as: UTF8.self)
        // The same audience twice, once escaped: one name, so one member too many.
        json.removeLast()
        json += #","\u0061ud":"\#(TokenValidatorTests.resource)"}"#
        let token = try keys.rs256.sign(headerJSON: TokenForge.json(keys.rs256.header()), payloadJSON: Array(json.utf8))
        #expect(throws: TokenRejection.malformedClaims) { try validate(token).get() }
    }

    @Test func duplicateMembersAreFoundAtAnyDepthAndOnlyThere() {
        func claims(_ json: String) -> JSONReadError? {
            do throws(JSONReadError) {
                _ = try TokenClaims(json: Array(json.utf8))
                return nil
            } catch {
                return error
            }
        }
        #expect(claims(#"{"a":1,"b":{"c":2,"c":3}}"#) == .duplicateMember)
        #expect(claims(#"{"a":[{"x":1},{"x":2}],"b":"a"}"#) == nil)
        #expect(claims(#"{"\ud83d\ude00":1,"😀":2}"#) == .duplicateMember)
        #expect(claims(#"{"a":1,}"#) == .malformed)
        #expect(claims(#"{"a":1} x"#) == .malformed)
        let deep = #"{"a":"# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        #expect(claims(deep) == .tooDeep)
    }
}
