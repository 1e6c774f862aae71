import Common
import Foundation
@testable import Worker

/// What the targets share: the issuer and resource the seed tokens name, the key set they are
/// signed with (`FixtureJWKS`, written by make_corpus.py together with the corpus), and a
/// configuration without Redis, so nothing a request does needs the thread pool.
enum Fixture {
    static let issuer = "https://auth.fuzz.test/realms/mcp"
    static let resource = "https://mcp.fuzz.test/mcp"
    /// The clock of the targets that take one: after the seed tokens' `iat`, before their `exp`.
    static let now: Double = 1_900_000_000

    static let configuration: GatehouseConfiguration = {
        let environment = [
            "GATEHOUSE_ISSUER": issuer,
            "GATEHOUSE_RESOURCE": resource,
            "GATEHOUSE_JWKS_URI": issuer + "/protocol/openid-connect/certs",
            "GATEHOUSE_ALLOWED_ORIGINS": "https://app.fuzz.test",
            "GATEHOUSE_LOG_LEVEL": "debug",
        ]
        // A directory without a .env file, so the one where the fuzzer runs is never read.
        let source = ConfigurationSource(environment: environment, currentDirectory: "/nonexistent")
        do {
            return try ConfigurationLoader.load(source, processorCount: 1).configuration
        } catch {
            fatalError("fuzz fixture: the configuration is refused: \(error)")
        }
    }()

    /// The fixture keys as the worker holds them, parsed once by the real parser.
    static let keys: [String: VerificationKey] = {
        let document = Array(FixtureJWKS.document.utf8)
        let outcome = blocking { try? await JWKSParser(acceptedAlgorithms: JWSAlgorithm.allCases).parse(document) }
        guard let outcome, outcome.keys.count == FixtureJWKS.keyIDs.count else {
            fatalError("fuzz fixture: FixtureJWKS does not parse into \(FixtureJWKS.keyIDs.count) keys")
        }
        return outcome.keys
    }()
}

/// A signing input and its signature, from a sample token.
struct SignedSample: Sendable {
    var signingInput: [UInt8]
    var signature: [UInt8]
}

extension FixtureJWKS {
    /// The sample tokens split for `VerificationKey.verify`, by algorithm; each one checked
    /// against the fixture keys first, so a corpus that no longer matches them stops the run.
    static let sampleSignatures: [String: SignedSample] = sampleTokens.mapValues { token in
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let signature = try? base64URLDecodeCanonical(ArraySlice(parts[2].utf8)) else {
            fatalError("fuzz fixture: \(token) is not a compact JWS")
        }
        let sample = SignedSample(signingInput: Array("\(parts[0]).\(parts[1])".utf8), signature: signature)
        let validator = TokenValidator(policy: ValidationPolicy(configuration: Fixture.configuration))
        guard case .success(let inspected) = validator.inspect(token), let key = Fixture.keys[inspected.keyID],
            case .success = validator.verify(inspected, with: key, now: Fixture.now)
        else {
            fatalError("fuzz fixture: the sample token \(token) does not verify; run make_corpus.py again")
        }
        return sample
    }
}
