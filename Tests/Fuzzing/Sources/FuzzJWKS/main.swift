// The JWKS parser: the input is a JWKS document. Every key it accepts must be what it says
// (its own kid, an accepted algorithm) and must verify, or refuse, the fixture's sample
// signature for its algorithm without trapping: fuzzed key material reaches jwt-kit and
// BoringSSL here.
import Common
@testable import FuzzSupport
@testable import Worker

private let parser = JWKSParser(acceptedAlgorithms: JWSAlgorithm.allCases)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let document = Array(UnsafeBufferPointer(start: data, count: size))
    guard let outcome = blocking({ try? await parser.parse(document) }) else { return 0 }
    for (keyID, key) in outcome.keys {
        invariant(key.keyID == keyID && !keyID.isEmpty, "key \(key.keyID.debugDescription) filed under \(keyID.debugDescription)")
        invariant(parser.acceptedAlgorithms.contains(key.algorithm), "\(key.algorithm) was not accepted")
        invariant(!key.thumbprint.isEmpty, "key \(keyID.debugDescription) has no thumbprint")
        invariant(!outcome.skipped.contains { $0.keyID == keyID && $0.reason == "duplicate kid" }, "a duplicate kid was kept")
        if let sample = FixtureJWKS.sampleSignatures[key.algorithm.rawValue] {
            _ = key.verify(signature: sample.signature, signingInput: sample.signingInput[...])
        }
    }
    return 0
}
