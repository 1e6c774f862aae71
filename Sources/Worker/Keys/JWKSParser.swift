import Common
import Crypto
import CryptoExtras
import Foundation
import JWTKit

/// Turns a JWKS document into verification keys. Keys that cannot or must not verify access
/// tokens (encryption keys, private keys, unsupported types, algorithms not configured) are
/// skipped with a reason, never fatal.
struct JWKSParser: Sendable {
    struct Skipped: Error, Sendable, Equatable {
        var keyID: String?
        var reason: String
    }

    struct Outcome: Sendable {
        var keys: [String: VerificationKey]
        var skipped: [Skipped]
    }

    enum Failure: Error, Equatable {
        case notAJWKS
    }

    var acceptedAlgorithms: [JWSAlgorithm]

    /// RFC 8725 §3.5 and NIST SP 800-131A: RSA keys below 2048 bits are refused.
    static let minimumRSAModulusBits = 2048

    static func bitLength(_ bigEndian: [UInt8]) -> Int {
        let significant = bigEndian.drop(while: { $0 == 0 })
        guard let top = significant.first else { return 0 }
        return (significant.count - 1) * 8 + (8 - top.leadingZeroBitCount)
    }

    /// The members of a JWK this parser looks at before handing the key to jwt-kit.
    private struct RawKey: Decodable {
        var kty: String?
        var kid: String?
        var alg: String?
        var use: String?
        var crv: String?
        var n: String?
        var e: String?
        var x: String?
        var y: String?
        var d: String?
        var key_ops: [String]?
    }

    private struct Document: Decodable {
        var keys: [LenientKey]
    }

    /// Decodes each entry on its own, so one odd key cannot spoil the set.
    private struct LenientKey: Decodable {
        var key: RawKey?
        init(from decoder: any Decoder) throws {
            key = try? RawKey(from: decoder)
        }
    }

    func parse(_ document: [UInt8]) async throws -> Outcome {
        guard let parsed = try? JSONDecoder().decode(Document.self, from: Data(document)) else {
            throw Failure.notAJWKS
        }
        var candidates: [VerificationKey] = []
        var skipped: [Skipped] = []
        for entry in parsed.keys {
            guard let raw = entry.key else {
                skipped.append(Skipped(keyID: nil, reason: "not a JSON object with string members"))
                continue
            }
            switch await makeKey(raw) {
            case .success(let key): candidates.append(key)
            case .failure(let reason): skipped.append(reason)
            }
        }
        var keys: [String: VerificationKey] = [:]
        for (keyID, group) in Dictionary(grouping: candidates, by: \.keyID) {
            if group.count == 1 {
                keys[keyID] = group[0]
            } else {
                // Two keys under one kid would make the lookup ambiguous: trust neither.
                skipped.append(Skipped(keyID: keyID, reason: "duplicate kid"))
            }
        }
        return Outcome(keys: keys, skipped: skipped)
    }

    private func makeKey(_ raw: RawKey) async -> Result<VerificationKey, Skipped> {
        func skip(_ reason: String) -> Result<VerificationKey, Skipped> {
            .failure(Skipped(keyID: raw.kid, reason: reason))
        }
        guard let kid = raw.kid, !kid.isEmpty else { return skip("no kid") }
        if let use = raw.use, use != "sig" { return skip("use is \(use)") }
        if let ops = raw.key_ops, !ops.contains("verify") { return skip("key_ops does not allow verify") }
        if raw.d != nil { return skip("contains private key material") }
        guard let algorithm = bindAlgorithm(raw) else { return skip("unsupported key type or algorithm") }
        guard acceptedAlgorithms.contains(algorithm) else { return skip("algorithm \(algorithm.rawValue) not accepted") }

        let jwk: JWK
        let thumbprintMembers: [(String, String)]
        var pkcs1Key: _RSA.Signing.PublicKey?
        switch raw.kty {
        case "RSA":
            guard let n = raw.n, let e = raw.e else { return skip("missing RSA parameters") }
            thumbprintMembers = [("e", e), ("kty", "RSA"), ("n", n)]
            guard let modulus = try? base64URLDecode(n), Self.bitLength(modulus) >= Self.minimumRSAModulusBits else {
                return skip("RSA key shorter than 2048 bits")
            }
            jwk = .rsa(JWK.Algorithm(rawValue: algorithm.rawValue), identifier: JWKIdentifier(string: kid), modulus: n, exponent: e)
            if [.rs256, .rs384, .rs512].contains(algorithm) {
                guard let exponent = try? base64URLDecode(e), let key = try? _RSA.Signing.PublicKey(n: modulus, e: exponent) else {
                    return skip("invalid key parameters")
                }
                pkcs1Key = key
            }
        case "EC":
            let curve: ECDSACurve? = switch raw.crv {
            case "P-256": .p256
            case "P-384": .p384
            case "P-521": .p521
            default: nil
            }
            guard let curve, let x = raw.x, let y = raw.y, let crv = raw.crv else { return skip("missing EC parameters") }
            thumbprintMembers = [("crv", crv), ("kty", "EC"), ("x", x), ("y", y)]
            jwk = .ecdsa(JWK.Algorithm(rawValue: algorithm.rawValue), identifier: JWKIdentifier(string: kid), x: x, y: y, curve: curve)
        case "OKP":
            guard let x = raw.x, let crv = raw.crv else { return skip("missing OKP parameters") }
            thumbprintMembers = [("crv", crv), ("kty", "OKP"), ("x", x)]
            jwk = .octetKeyPair(JWK.Algorithm(rawValue: algorithm.rawValue), identifier: JWKIdentifier(string: kid), x: x, y: nil, curve: .ed25519)
        default:
            return skip("unsupported key type")
        }

        do {
            let collection = JWTKeyCollection()
            try await collection.add(jwk: jwk)
            let verifier = try await collection.getKey(for: JWKIdentifier(string: kid), alg: algorithm.rawValue)
            guard verifier.name == algorithm.rawValue else { return skip("key did not bind to \(algorithm.rawValue)") }
            return .success(VerificationKey(
                keyID: kid, algorithm: algorithm, thumbprint: Self.thumbprint(thumbprintMembers), verifier: verifier,
                pkcs1Key: pkcs1Key))
        } catch {
            return skip("invalid key parameters")
        }
    }

    /// RFC 7638: SHA-256 of the required members, sorted, as JSON without whitespace; base64url.
    static func thumbprint(_ members: [(String, String)]) -> String {
        var json = JSONWriter(capacity: 512)
        json.raw(UInt8(ascii: "{"))
        for (index, (name, value)) in members.sorted(by: { $0.0 < $1.0 }).enumerated() {
            if index > 0 { json.raw(UInt8(ascii: ",")) }
            json.string(name)
            json.raw(UInt8(ascii: ":"))
            json.string(value)
        }
        json.raw(UInt8(ascii: "}"))
        return base64URLEncode(Array(SHA256.hash(data: json.bytes)))
    }

    /// The one algorithm a key may verify: its `alg`, which must fit its type and curve, or
    /// the only algorithm its type and curve allow when `alg` is absent (RSA defaults to RS256).
    private func bindAlgorithm(_ raw: RawKey) -> JWSAlgorithm? {
        let declared = raw.alg.map { JWSAlgorithm(rawValue: $0) }
        if case .some(.none) = declared { return nil }  // An `alg` this server does not know.
        switch raw.kty {
        case "RSA":
            let rsa: [JWSAlgorithm] = [.rs256, .rs384, .rs512, .ps256, .ps384, .ps512]
            guard let algorithm = declared ?? .rs256, rsa.contains(algorithm) else { return nil }
            return algorithm
        case "EC":
            let natural: JWSAlgorithm? = switch raw.crv {
            case "P-256": .es256
            case "P-384": .es384
            case "P-521": .es512
            default: nil
            }
            guard let natural, (declared ?? natural) == natural else { return nil }
            return natural
        case "OKP":
            guard raw.crv == "Ed25519", (declared ?? .eddsa) == .eddsa else { return nil }
            return .eddsa
        default:
            return nil
        }
    }
}
