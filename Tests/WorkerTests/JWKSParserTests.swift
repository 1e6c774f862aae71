import Common
import Foundation
import JWTKit
import TestSupport
import Testing
@testable import Worker

@Suite("JWKSParser")
struct JWKSParserTests {
    let keys: TestSigningKeys

    init() async throws {
        keys = try await TestSigningKeys.shared()
    }

    func parse(_ entries: [Any], accepting algorithms: [JWSAlgorithm] = JWSAlgorithm.defaults) async throws -> JWKSParser.Outcome {
        try await JWKSParser(acceptedAlgorithms: algorithms).parse(TestSigningKeys.jwks(entries: entries))
    }

    /// The one skipped entry's reason, failing unless exactly one entry was skipped and no key kept.
    func onlySkipReason(_ entry: [String: Any], accepting algorithms: [JWSAlgorithm] = JWSAlgorithm.defaults) async throws -> String? {
        let outcome = try await parse([entry], accepting: algorithms)
        #expect(outcome.keys.isEmpty, "kept \(outcome.keys.keys.sorted())")
        #expect(outcome.skipped.count == 1)
        return outcome.skipped.first?.reason
    }

    /// Signs some bytes with `key` and checks that `verificationKey` accepts them and refuses others.
    func verifies(_ verificationKey: VerificationKey?, signedBy key: TestSigningKey) throws -> Bool {
        guard let verificationKey else { return false }
        let input = Array("header.payload".utf8)
        let signature = try key.signer.sign(input)
        let genuine = verificationKey.verify(signature: signature, signingInput: input[...])
        let forged = verificationKey.verify(signature: signature, signingInput: Array("header.payloaD".utf8)[...])
        return genuine && !forged
    }

    // MARK: Keys that are kept

    @Test func publishedKeysAreBoundToTheirDeclaredAlgorithms() async throws {
        let outcome = try await JWKSParser(acceptedAlgorithms: JWSAlgorithm.defaults).parse(keys.jwks())
        #expect(outcome.skipped.isEmpty)
        #expect(Set(outcome.keys.keys) == ["rs256-key", "ps256-key", "es256-key", "eddsa-key"])
        for algorithm in TestSigningAlgorithm.allCases {
            let signingKey = keys.key(for: algorithm)
            let key = try #require(outcome.keys[signingKey.kid])
            #expect(key.keyID == signingKey.kid)
            #expect(key.algorithm.rawValue == algorithm.rawValue)
            #expect(key.verifier.name == algorithm.rawValue)
            #expect(try verifies(key, signedBy: signingKey), "\(algorithm.rawValue)")
        }
    }

    @Test func keysWithoutAlgBindToTheOnlyAlgorithmTheirTypeAllows() async throws {
        let outcome = try await JWKSParser(acceptedAlgorithms: JWSAlgorithm.defaults).parse(keys.jwks(includeAlgorithm: false))
        #expect(outcome.skipped.isEmpty)
        #expect(outcome.keys["rs256-key"]?.algorithm == .rs256)
        // An RSA key without alg is RS256, even when its owner signs PS256 with it.
        #expect(outcome.keys["ps256-key"]?.algorithm == .rs256)
        #expect(outcome.keys["es256-key"]?.algorithm == .es256)
        #expect(outcome.keys["eddsa-key"]?.algorithm == .eddsa)
        #expect(try verifies(outcome.keys["rs256-key"], signedBy: keys.rs256))
        #expect(try verifies(outcome.keys["es256-key"], signedBy: keys.es256))
        #expect(try verifies(outcome.keys["eddsa-key"], signedBy: keys.eddsa))
        #expect(try !verifies(outcome.keys["ps256-key"], signedBy: keys.ps256))
    }

    @Test func keyWithoutUseIsKept() async throws {
        let outcome = try await parse([keys.rs256.publicJWK(use: nil)])
        #expect(outcome.keys[keys.rs256.kid]?.algorithm == .rs256)
    }

    @Test("key_ops that allow verify are kept", arguments: [["verify"], ["sign", "verify"]])
    func keyOpsWithVerifyAreKept(_ ops: [String]) async throws {
        let outcome = try await parse([keys.es256.publicJWK(extra: ["key_ops": ops])])
        #expect(outcome.keys[keys.es256.kid] != nil)
    }

    // MARK: Keys that are skipped

    @Test func encryptionKeysAreSkipped() async throws {
        #expect(try await onlySkipReason(keys.rs256.publicJWK(use: "enc")) == "use is enc")
        #expect(try await onlySkipReason(try #require(keys.rs256.encryptionJWK())) == "use is enc")
    }

    @Test("key_ops without verify are skipped", arguments: [["encrypt"], ["sign"], ["wrapKey", "unwrapKey"], []])
    func keyOpsWithoutVerifyAreSkipped(_ ops: [String]) async throws {
        #expect(try await onlySkipReason(keys.rs256.publicJWK(extra: ["key_ops": ops])) == "key_ops does not allow verify")
    }

    @Test("keys with private material are skipped", arguments: TestSigningAlgorithm.allCases)
    func privateKeysAreSkipped(_ algorithm: TestSigningAlgorithm) async throws {
        let jwk = keys.key(for: algorithm).publicJWK(extra: ["d": TokenForge.base64URL(TokenForge.randomBytes(32))])
        #expect(try await onlySkipReason(jwk) == "contains private key material")
    }

    @Test("unsupported key types are skipped", arguments: ["oct", "foo", "", "rsa", "ec", "okp"])
    func unsupportedKeyTypesAreSkipped(_ kty: String) async throws {
        // The members of a real RSA key under another kty (key types are case-sensitive).
        let jwk = keys.rs256.publicJWK(includeAlgorithm: false, extra: ["kty": kty, "k": "c2VjcmV0"])
        #expect(try await onlySkipReason(jwk) == "unsupported key type or algorithm")
    }

    @Test func symmetricKeysAreSkipped() async throws {
        // An `oct` key would let anyone who can read the JWKS mint tokens.
        for jwk: [String: Any] in [
            ["kty": "oct", "kid": "hmac", "alg": "HS256", "k": "c2VjcmV0", "use": "sig"],
            ["kty": "oct", "kid": "hmac", "k": "c2VjcmV0"],
            ["kty": "oct", "kid": "hmac", "alg": "RS256", "k": "c2VjcmV0"],
        ] {
            #expect(try await onlySkipReason(jwk) == "unsupported key type or algorithm")
        }
    }

    @Test func ecKeyWhoseAlgDoesNotFitItsCurveIsSkipped() async throws {
        let p384 = try #require(ES384PrivateKey().parameters)
        let p384JWK: [String: Any] = ["kty": "EC", "kid": "p384", "crv": "P-384", "x": p384.x, "y": p384.y, "use": "sig"]
        var mislabelled = p384JWK
        mislabelled["alg"] = "ES256"
        #expect(try await onlySkipReason(mislabelled) == "unsupported key type or algorithm")
        // The same key with its natural algorithm is fine (when accepted).
        var labelled = p384JWK
        labelled["alg"] = "ES384"
        #expect(try await parse([labelled], accepting: [.es384]).keys["p384"]?.algorithm == .es384)
        // A P-256 key under ES384, ES512 or an RSA algorithm.
        for alg in ["ES384", "ES512", "RS256", "EdDSA"] {
            #expect(try await onlySkipReason(keys.es256.publicJWK(extra: ["alg": alg])) == "unsupported key type or algorithm", "\(alg)")
        }
    }

    @Test("an alg that does not fit the key type is skipped", arguments: ["ES256", "EdDSA", "HS256", "RS1", "RSA-OAEP", "none", "rs256"])
    func rsaKeyWithForeignAlgIsSkipped(_ alg: String) async throws {
        #expect(try await onlySkipReason(keys.rs256.publicJWK(extra: ["alg": alg])) == "unsupported key type or algorithm")
    }

    @Test("OKP curves other than Ed25519 are skipped", arguments: ["X25519", "Ed448", "P-256"])
    func otherOKPCurvesAreSkipped(_ curve: String) async throws {
        #expect(try await onlySkipReason(keys.eddsa.publicJWK(extra: ["crv": curve])) == "unsupported key type or algorithm")
    }

    @Test func rsaKeysShorterThan2048BitsAreSkipped() async throws {
        var modulus1024 = TokenForge.randomBytes(128)
        modulus1024[0] |= 0x80
        let short: [String: Any] = [
            "kty": "RSA", "kid": "short", "alg": "RS256", "use": "sig",
            "n": TokenForge.base64URL(modulus1024), "e": "AQAB",
        ]
        #expect(try await onlySkipReason(short) == "RSA key shorter than 2048 bits")

        // 256 bytes on the wire, but a leading zero: 2040 bits.
        var padded = [UInt8(0)] + TokenForge.randomBytes(255)
        padded[1] |= 0x80
        var zeroPadded = short
        zeroPadded["n"] = TokenForge.base64URL(padded)
        #expect(try await onlySkipReason(zeroPadded) == "RSA key shorter than 2048 bits")
    }

    @Test("a 256-byte modulus whose top bit is clear is under 2048 bits and skipped", arguments: [0x7F, 0x01] as [UInt8])
    func rsaModulusJustUnder2048BitsIsSkipped(_ topByte: UInt8) async throws {
        var modulus = TokenForge.randomBytes(256)
        modulus[0] = topByte  // 2047 or 2041 significant bits
        modulus[255] |= 0x01  // odd, like every RSA modulus
        let jwk: [String: Any] = [
            "kty": "RSA", "kid": "almost", "alg": "RS256", "use": "sig", "n": TokenForge.base64URL(modulus), "e": "AQAB",
        ]
        let reason = try await onlySkipReason(jwk)
        #expect(reason == "RSA key shorter than 2048 bits")
    }

    @Test func rsaKeyWithoutExponentIsSkipped() async throws {
        var jwk = keys.rs256.publicJWK()
        jwk["e"] = nil
        #expect(try await onlySkipReason(jwk) == "missing RSA parameters")
    }

    @Test func ecPointNotOnTheCurveIsSkipped() async throws {
        let jwk = keys.es256.publicJWK(extra: [
            "x": TokenForge.base64URL(TokenForge.randomBytes(32)), "y": TokenForge.base64URL(TokenForge.randomBytes(32)),
        ])
        #expect(try await onlySkipReason(jwk) == "invalid key parameters")
    }

    @Test func keysWithoutKidAreSkipped() async throws {
        var jwk = keys.rs256.publicJWK()
        jwk["kid"] = nil
        #expect(try await onlySkipReason(jwk) == "no kid")
        #expect(try await onlySkipReason(keys.rs256.publicJWK(extra: ["kid": ""])) == "no kid")
    }

    @Test func algorithmsNotAcceptedAreSkipped() async throws {
        let outcome = try await JWKSParser(acceptedAlgorithms: [.rs256]).parse(keys.jwks())
        #expect(Set(outcome.keys.keys) == ["rs256-key"])
        let reasons = Dictionary(uniqueKeysWithValues: outcome.skipped.map { ($0.keyID ?? "", $0.reason) })
        #expect(reasons == [
            "ps256-key": "algorithm PS256 not accepted",
            "es256-key": "algorithm ES256 not accepted",
            "eddsa-key": "algorithm EdDSA not accepted",
        ])
    }

    @Test func duplicateKidDropsEveryKeyUnderIt() async throws {
        let outcome = try await parse([
            keys.rs256.publicJWK(),
            keys.es256.publicJWK(extra: ["kid": keys.rs256.kid]),
            keys.eddsa.publicJWK(),
        ])
        #expect(Set(outcome.keys.keys) == [keys.eddsa.kid])
        #expect(outcome.skipped == [JWKSParser.Skipped(keyID: keys.rs256.kid, reason: "duplicate kid")])
    }

    @Test func theSameKeyListedTwiceIsStillAmbiguous() async throws {
        let outcome = try await parse([keys.rs256.publicJWK(), keys.rs256.publicJWK()])
        #expect(outcome.keys.isEmpty)
        #expect(outcome.skipped.map(\.reason) == ["duplicate kid"])
    }

    // MARK: Documents

    @Test("a document that is not a JWKS throws", arguments: [
        "", "not json", "null", "[]", "{}", "42", "{\"keys\": {}}", "{\"keys\": \"x\"}", "{\"keys\": null}",
        "{\"key\": []}",
    ])
    func notAJWKSThrows(_ document: String) async {
        await #expect(throws: JWKSParser.Failure.notAJWKS) {
            _ = try await JWKSParser(acceptedAlgorithms: JWSAlgorithm.defaults).parse(Array(document.utf8))
        }
    }

    @Test func emptyKeySetIsNotAnError() async throws {
        let outcome = try await JWKSParser(acceptedAlgorithms: JWSAlgorithm.defaults).parse(Array("{\"keys\":[]}".utf8))
        #expect(outcome.keys.isEmpty)
        #expect(outcome.skipped.isEmpty)
    }

    @Test func garbageEntriesDoNotSpoilTheSet() async throws {
        let outcome = try await parse([
            42, "a string", NSNull(), [1, 2, 3], ["kid": 5, "kty": "RSA"] as [String: Any],
            ["kty": "RSA", "kid": "typed-wrong", "key_ops": "verify"] as [String: Any],
            keys.rs256.publicJWK(), keys.es256.publicJWK(),
        ])
        #expect(Set(outcome.keys.keys) == [keys.rs256.kid, keys.es256.kid])
        #expect(outcome.skipped.count == 6)
    }

    @Test func keycloakLikeSetYieldsExactlyTheTwoSigningKeys() async throws {
        // Keycloak publishes x5c / x5t members as well, and an RSA-OAEP encryption key.
        let certificateMembers: [String: Any] = [
            "x5c": [TokenForge.base64URL(TokenForge.randomBytes(64))], "x5t": "dGh1bWJwcmludA",
            "x5t#S256": "c2hhMjU2LXRodW1icHJpbnQ",
        ]
        let outcome = try await parse([
            keys.rs256.publicJWK(extra: certificateMembers),
            try #require(keys.rs256.encryptionJWK(kid: "keycloak-enc")),
            keys.es256.publicJWK(),
        ])
        #expect(Set(outcome.keys.keys) == [keys.rs256.kid, keys.es256.kid])
        #expect(outcome.keys[keys.rs256.kid]?.algorithm == .rs256)
        #expect(outcome.keys[keys.es256.kid]?.algorithm == .es256)
        #expect(outcome.skipped == [JWKSParser.Skipped(keyID: "keycloak-enc", reason: "use is enc")])
    }

    @Test func jwksFromTestSupportMatchesItsOptions() async throws {
        let outcome = try await JWKSParser(acceptedAlgorithms: JWSAlgorithm.defaults)
            .parse(keys.jwks(includeEncryptionKeys: true))
        #expect(outcome.keys.count == 4)
        #expect(Set(outcome.skipped.map(\.reason)) == ["use is enc"])
        #expect(outcome.skipped.count == 2)  // one per RSA key
    }
}
