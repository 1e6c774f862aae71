import ArgumentParser
import Common
import Crypto
import CryptoExtras
import ExtrasBase64
import Foundation

/// `gatehouse worker validation-speed`: uncached token validations per second on one thread, the
/// figure to set beside `openssl speed rsa2048 ecdsap256` when sizing a deployment. Each round
/// runs the request path's validation (header checks, key lookup by kid, signature, claims)
/// over distinct tokens signed with keys made for the run, loaded through the JWKS parser.
struct ValidationSpeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validation-speed",
        abstract: "Measure uncached token validations per second on one thread.")

    @Option(help: "Seconds to measure each algorithm.")
    var seconds: Double = 3

    @Option(help: "Algorithms to measure (RS256, ES256); repeatable.")
    var algorithm: [String] = ValidationSpeed.Signer.names

    func validate() throws {
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be between 0 and 600") }
        for name in algorithm where !ValidationSpeed.Signer.names.contains(name) {
            throw ValidationError("--algorithm \(name) is not one of \(ValidationSpeed.Signer.names.joined(separator: ", "))")
        }
    }

    func run() async throws {
        for name in algorithm {
            let rate = try await ValidationSpeed(signer: ValidationSpeed.Signer(name)!).measure(seconds: seconds)
            print("\(name) validations_per_second=\(Int(rate.rounded()))")
        }
    }
}

/// Signs a batch of access tokens and validates them in a loop.
struct ValidationSpeed: Sendable {
    /// A key made for the run, and the JWK that publishes its public half.
    enum Signer: Sendable {
        case rs256(_RSA.Signing.PrivateKey)
        case es256(P256.Signing.PrivateKey)

        static let names = ["RS256", "ES256"]

        /// Makes a fresh key: an RSA key takes a moment, so names are checked against `names` first.
        init?(_ name: String) {
            switch name {
            case "RS256": guard let key = try? _RSA.Signing.PrivateKey(keySize: .bits2048) else { return nil }
                self = .rs256(key)
            case "ES256": self = .es256(P256.Signing.PrivateKey())
            default: return nil
            }
        }

        var algorithm: JWSAlgorithm { switch self { case .rs256: .rs256; case .es256: .es256 } }
        var keyID: String { "speed-\(algorithm.rawValue.lowercased())" }

        func jwk() throws -> [String: String] {
            switch self {
            case .rs256(let key):
                let primitives = try key.publicKey.getKeyPrimitives()
                return ["kty": "RSA", "alg": "RS256", "use": "sig", "kid": keyID,
                        "n": base64URL(primitives.modulus), "e": base64URL(primitives.publicExponent)]
            case .es256(let key):
                let point = key.publicKey.x963Representation.dropFirst()  // 0x04 || x || y
                return ["kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": keyID,
                        "x": base64URL(point.prefix(32)), "y": base64URL(point.suffix(32))]
            }
        }

        func sign(_ input: [UInt8]) throws -> [UInt8] {
            switch self {
            case .rs256(let key): Array(try key.signature(for: input, padding: .insecurePKCS1v1_5).rawRepresentation)
            case .es256(let key): Array(try key.signature(for: input).rawRepresentation)
            }
        }
    }

    var signer: Signer
    var issuer = "https://idp.speed.invalid/realms/speed"
    var audience = "https://mcp.speed.invalid/mcp"

    func measure(seconds: Double) async throws -> Double {
        let document = try JSONSerialization.data(withJSONObject: ["keys": [try signer.jwk()]])
        let parsed = try await JWKSParser(acceptedAlgorithms: [signer.algorithm]).parse(Array(document))
        guard let key = parsed.keys[signer.keyID] else { throw ValidationError("the JWKS parser refused the run's key") }
        let validator = TokenValidator(policy: ValidationPolicy(
            issuer: issuer, audiences: [audience], algorithms: [signer.algorithm]))
        let tokens = try (0..<256).map { try token(number: $0) }

        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(Int64(seconds * 1000)))
        let started = clock.now
        var validated = 0
        while clock.now < deadline {
            // The clock is read once per 16 validations so that reading it costs nothing measurable.
            for _ in 0..<16 {
                let token = tokens[validated % tokens.count]
                guard case .success(let inspected) = validator.inspect(token),
                    case .success = validator.verify(inspected, with: key, now: Date().timeIntervalSince1970)
                else { throw ValidationError("a token signed for the run did not validate") }
                validated += 1
            }
        }
        let elapsed = started.duration(to: clock.now)
        return Double(validated) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// A Keycloak-shaped access token; `number` makes each one distinct, as different callers' are.
    private func token(number: Int) throws -> String {
        let now = Int(Date().timeIntervalSince1970)
        let header = #"{"alg":"\#(signer.algorithm.rawValue)","typ":"JWT","kid":"\#(signer.keyID)"}"#
        let payload = #"{"exp":\#(now + 3600),"iat":\#(now),"jti":"speed-\#(number)","iss":"\#(issuer)","aud":"\#(audience)","sub":"service-account-\#(number)","typ":"Bearer","azp":"mcp-client","scope":"mcp:read mcp:write"}"#
        let signingInput = base64URL(Array(header.utf8)) + "." + base64URL(Array(payload.utf8))
        return signingInput + "." + base64URL(try signer.sign(Array(signingInput.utf8)))
    }
}

private func base64URL(_ bytes: some Collection<UInt8>) -> String {
    Base64.encodeToString(bytes: bytes, options: [.base64UrlAlphabet, .omitPaddingCharacter])
}
