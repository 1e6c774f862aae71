import NIOHTTP1
import Testing
@testable import Worker

@Suite("BearerToken")
struct BearerTokenTests {
    static let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl"

    func extract(_ values: String...) -> BearerCredential {
        BearerToken.extract(from: HTTPHeaders(values.map { ("Authorization", $0) }))
    }

    @Test("the scheme is case-insensitive", arguments: ["Bearer", "bearer", "BEARER", "bEaReR"])
    func schemeIsCaseInsensitive(_ scheme: String) {
        #expect(extract("\(scheme) \(Self.token)") == .token(Self.token))
    }

    @Test func headerNameIsCaseInsensitive() {
        #expect(BearerToken.extract(from: HTTPHeaders([("AUTHORIZATION", "Bearer abc")])) == .token("abc"))
        #expect(BearerToken.extract(from: HTTPHeaders([("authorization", "Bearer abc")])) == .token("abc"))
    }

    @Test func extraSpacesAroundTheSchemeAreTolerated() {
        #expect(extract("  Bearer    \(Self.token)") == .token(Self.token))
    }

    @Test("every b64token character is accepted", arguments: [
        "abcXYZ019", "a-b.c_d~e+f/g", "abc==", "Zm9v", "a.b.c",
    ])
    func b64TokenCharacters(_ token: String) {
        #expect(extract("Bearer \(token)") == .token(token))
    }

    @Test func missingHeaderIsNoToken() {
        #expect(BearerToken.extract(from: HTTPHeaders()) == .none)
        #expect(BearerToken.extract(from: HTTPHeaders([("Cookie", "access_token=\(Self.token)")])) == .none)
    }

    @Test("other schemes are no bearer token", arguments: [
        "Basic dXNlcjpwYXNz", "DPoP \(BearerTokenTests.token)", "Digest username=\"u\"", "Bearerx abc", "Token abc",
    ])
    func otherSchemesAreNoToken(_ value: String) {
        #expect(extract(value) == .none)
    }

    @Test func twoAuthorizationHeadersAreAnInvalidRequest() {
        guard case .invalidRequest = extract("Bearer \(Self.token)", "Bearer \(Self.token)") else {
            Issue.record("two Bearer headers were accepted")
            return
        }
        guard case .invalidRequest = extract("Basic dXNlcjpwYXNz", "Bearer \(Self.token)") else {
            Issue.record("Basic + Bearer headers were accepted")
            return
        }
    }

    @Test("Bearer without a token is an invalid request", arguments: ["Bearer", "bearer", "Bearer ", "Bearer     ", "  Bearer"])
    func bearerWithoutTokenIsAnInvalidRequest(_ value: String) {
        guard case .invalidRequest = extract(value) else {
            Issue.record("\"\(value)\" gave \(extract(value))")
            return
        }
    }

    @Test("a token with characters outside b64token is an invalid request", arguments: [
        "abc def", "\"abc\"", "abc\"", "a,b", "a;b", "a\tb", "abc ", "tok\u{e9}n", "a\\b", "a%20b", "{\"alg\":\"none\"}",
    ])
    func illegalCharactersAreAnInvalidRequest(_ token: String) {
        let result = extract("Bearer \(token)")
        guard case .invalidRequest(let reason) = result else {
            Issue.record("\"\(token)\" gave \(result)")
            return
        }
        // The reason may reach the client: it must not repeat the credential.
        #expect(!reason.contains(token))
    }
}
