// The bearer credential and the JOSE layer: the input is an Authorization header value and,
// when it carries no bearer token, the token itself. Every step that has no signature to
// check runs on the fuzzed bytes: extraction, `inspect`, `verify` against the fixture keys
// (a mutated token cannot carry a valid signature, so the claims are also decoded and
// checked as `verify` would after one), and the header and claims decoders on the raw input.
import Common
import Foundation
@testable import FuzzSupport
import NIOHTTP1
@testable import Worker

/// The worker's policy for the fixture, and a stricter one that takes the other branches.
private let validators = [
    TokenValidator(policy: ValidationPolicy(configuration: Fixture.configuration)),
    TokenValidator(policy: ValidationPolicy(
        issuer: Fixture.issuer, audiences: [Fixture.resource, "account"], algorithms: JWSAlgorithm.allCases,
        typePolicy: .strict, leewaySeconds: 0, allowedClients: ["fuzz-client"], scopesFromRoles: true)),
]
private let keys = Fixture.keys

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: bytes, as: UTF8.self)

    var headers = HTTPHeaders()
    headers.add(name: "Authorization", value: text)
    let token: String
    if case .token(let extracted) = BearerToken.extract(from: headers) {
        invariant(!extracted.isEmpty && !extracted.utf8.contains(UInt8(ascii: " ")), "extracted token \(extracted.debugDescription)")
        token = extracted
    } else {
        token = text
    }

    for validator in validators {
        guard case .success(let inspected) = validator.inspect(token) else { continue }
        if let key = keys[inspected.keyID] {
            _ = validator.verify(inspected, with: key, now: Fixture.now)
        }
        checkClaims(encoded: inspected.encodedPayload, keyID: inspected.keyID)
    }

    // One spelling per part: whatever decodes canonically encodes back to the same characters.
    for part in token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
        let encoded = ArraySlice(part)
        guard let decoded = try? base64URLDecodeCanonical(encoded) else { continue }
        invariant(base64URLEncode(decoded).utf8.elementsEqual(encoded), "\(String(decoding: encoded, as: UTF8.self)) is not canonical")
    }

    // The decoders on raw JSON, where the fuzzer need not find base64url first.
    _ = try? JOSEHeader(json: bytes)
    if let claims = try? TokenClaims(json: bytes) { check(claims, keyID: "raw") }
    return 0
}

/// What `verify` does once a signature holds: decode the claims and check them.
private func checkClaims(encoded: ArraySlice<UInt8>, keyID: String) {
    guard let json = try? base64URLDecodeCanonical(encoded), let claims = try? TokenClaims(json: json) else { return }
    check(claims, keyID: keyID)
}

private func check(_ claims: TokenClaims, keyID: String) {
    for validator in validators {
        if case .success(let token) = validator.check(claims, keyID: keyID, now: Fixture.now) {
            invariant(token.expiresAt + validator.policy.leewaySeconds > Fixture.now, "an expired token passed")
            invariant(claims.iss == validator.policy.issuer, "a foreign issuer passed")
        }
    }
}
