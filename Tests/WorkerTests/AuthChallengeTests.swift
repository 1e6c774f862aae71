import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing
@testable import Worker

@Suite("AuthChallenge")
struct AuthChallengeTests {
    static let metadataURL = "https://mcp.example.test/.well-known/oauth-protected-resource/mcp"
    let challenge = AuthChallenge(resourceMetadataURL: Self.metadataURL)

    func parsedChallenge(_ response: HTTPResponse) throws -> BearerChallenge {
        #expect(response.headers["WWW-Authenticate"].count == 1)
        return try #require(BearerChallenge(response.headers.first(name: "WWW-Authenticate")))
    }

    func body(_ response: HTTPResponse) throws -> [String: Any] {
        #expect(response.headers.first(name: "Content-Type") == "application/json")
        let bytes = Array(try #require(response.body).readableBytesView)
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    func text(_ response: HTTPResponse) -> String {
        let headers = response.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
        let body = response.body.map { String(decoding: $0.readableBytesView, as: UTF8.self) } ?? ""
        return headers + "\n\n" + body
    }

    @Test func quotesAndBackslashesAreEscapedInTheChallengeAndTheBody() throws {
        let description = "a \"quoted\" \\ value\u{1}"
        let response = challenge.invalidRequest(description).oauthResponse
        #expect(response.headers.first(name: "WWW-Authenticate")?.contains(#"error_description="a \"quoted\" \\ value"#) == true)
        #expect(try parsedChallenge(response).parameters["error_description"] == description)
        #expect(try body(response)["error_description"] as? String == description)
        #expect(try body(response)["error"] as? String == "invalid_request")
    }

    @Test func missingTokenHasMetadataAndScopeButNoError() throws {
        let response = challenge.missingToken(scopes: ["mcp:read", "mcp:write"]).oauthResponse
        #expect(response.status == .unauthorized)
        let parsed = try parsedChallenge(response)
        #expect(parsed["resource_metadata"] == Self.metadataURL)
        #expect(parsed["scope"] == "mcp:read mcp:write")
        #expect(parsed["error"] == nil)
        #expect(parsed["error_description"] == nil)
        #expect(try body(response)["error"] as? String != nil)
    }

    @Test func missingTokenWithoutBaselineScopesOmitsScope() throws {
        let parsed = try parsedChallenge(challenge.missingToken(scopes: []).oauthResponse)
        #expect(parsed.parameters == ["resource_metadata": Self.metadataURL])
    }

    @Test("an invalid token gets invalid_token", arguments: TokenRejection.allCases)
    func invalidToken(_ rejection: TokenRejection) throws {
        let response = challenge.invalidToken(rejection).oauthResponse
        #expect(response.status == .unauthorized)
        let parsed = try parsedChallenge(response)
        #expect(parsed["error"] == "invalid_token")
        #expect(parsed["resource_metadata"] == Self.metadataURL)
        #expect(parsed["error_description"] == rejection.description)
        #expect(parsed["scope"] == nil)
        let json = try body(response)
        #expect(json["error"] as? String == "invalid_token")
        #expect(json["error_description"] as? String == rejection.description)
    }

    @Test func insufficientScopeIsA403NamingTheNeededScope() throws {
        let principal = Principal(subject: "user-1234", clientID: "mcp-client")
        let response = challenge.insufficientScope(required: ["mcp:write", "tools:admin"], principal: principal).oauthResponse
        #expect(response.status == .forbidden)
        let parsed = try parsedChallenge(response)
        #expect(parsed["error"] == "insufficient_scope")
        #expect(parsed["scope"] == "mcp:write tools:admin")
        #expect(parsed["resource_metadata"] == Self.metadataURL)
        #expect(try body(response)["error"] as? String == "insufficient_scope")
        #expect(response.principal == principal)
    }

    @Test func invalidRequestIsA400() throws {
        let response = challenge.invalidRequest("More than one Authorization header").oauthResponse
        #expect(response.status == .badRequest)
        let parsed = try parsedChallenge(response)
        #expect(parsed["error"] == "invalid_request")
        #expect(parsed["resource_metadata"] == Self.metadataURL)
        #expect(try body(response)["error"] as? String == "invalid_request")
    }

    @Test func keysUnavailableIsA503WithRetryAfter() throws {
        let response = challenge.keysUnavailable().oauthResponse
        #expect(response.status == .serviceUnavailable)
        #expect(response.headers.first(name: "Retry-After") != nil)
        #expect(try body(response)["error"] as? String == "temporarily_unavailable")
    }

    @Test func metadataURLIsQuotedSafely() throws {
        let awkward = "https://mcp.example.test/meta?a=\"b\"&c=\\d, scope=\"admin\""
        let parsed = try parsedChallenge(AuthChallenge(resourceMetadataURL: awkward).invalidToken(.expired).oauthResponse)
        #expect(parsed["resource_metadata"] == awkward)
        #expect(parsed["scope"] == nil)
        #expect(parsed["error"] == "invalid_token")
    }

    @Test func refusalsNameTheirCauseInOneLine() {
        #expect(challenge.invalidToken(.expired).message == "Unauthorized: the access token expired")
        #expect(challenge.missingToken(scopes: ["mcp:read"]).message.hasPrefix("Unauthorized: an access token is required"))
        let principal = Principal(subject: "user-1234", clientID: "mcp-client")
        #expect(challenge.insufficientScope(required: ["mcp:infer"], principal: principal, tool: "summarize").message
            == "Forbidden: tool 'summarize' needs scope mcp:infer")
        #expect(challenge.invalidRequest("More than one Authorization header").message == "Bad Request: more than one Authorization header")
    }

    /// On `/mcp` the same refusal keeps its challenge and becomes a JSON-RPC error an SDK shows.
    @Test func onMCPARefusalIsAJSONRPCErrorWithTheSameChallenge() throws {
        let refusal = challenge.invalidToken(.audienceMismatch)
        let response = HTTPResponse.jsonRPC(refusal, id: nil)
        #expect(response.status == .unauthorized)
        #expect(response.headers["WWW-Authenticate"] == refusal.oauthResponse.headers["WWW-Authenticate"])
        let json = try body(response)
        #expect(json["jsonrpc"] as? String == "2.0")
        #expect(json["id"] is NSNull)
        let error = try #require(json["error"] as? [String: Any])
        #expect(error["code"] as? Int == 401)
        #expect(error["message"] as? String == "Unauthorized: the access token is not intended for this resource")

        let forbidden = HTTPResponse.jsonRPC(
            challenge.insufficientScope(required: ["mcp:write"], principal: Principal(subject: "s", clientID: "c"), tool: "notes_put"),
            id: .number(9))
        #expect(forbidden.status == .forbidden)
        #expect(try body(forbidden)["id"] as? Int == 9)
        #expect((try body(forbidden)["error"] as? [String: Any])?["code"] as? Int == 403)
        #expect(forbidden.principal == Principal(subject: "s", clientID: "c"))
    }

    @Test func nothingEchoesTheToken() async throws {
        let keys = try await TestSigningKeys.shared()
        let payload: [String: Any] = ["iss": "https://evil.example.test", "sub": "mallory", "aud": "x", "exp": 1]
        let token = try keys.rs256.sign(payload: payload)
        let policy = ValidationPolicy(
            issuer: "https://auth.example.test/realms/mcp-realm", audiences: ["https://mcp.example.test/mcp"])
        let outcome = try await JWKSParser(acceptedAlgorithms: policy.algorithms).parse(keys.jwks())
        let validator = TokenValidator(policy: policy)
        let inspected = try validator.inspect(token).get()
        let key = try #require(outcome.keys[inspected.keyID])
        guard case .failure(let rejection) = validator.verify(inspected, with: key, now: 1_750_000_000) else {
            Issue.record("the token was accepted")
            return
        }

        // A refused token, a malformed Authorization header, and the no-token case.
        guard case .invalidRequest(let reason) = BearerToken.extract(
            from: HTTPHeaders([("Authorization", "Bearer \(token) \(token)")]))
        else {
            Issue.record("two tokens in one header were accepted")
            return
        }
        let responses = [
            challenge.invalidToken(rejection).oauthResponse, challenge.invalidRequest(reason).oauthResponse,
            challenge.missingToken(scopes: ["mcp:read"]).oauthResponse,
        ]
        let parts = token.split(separator: ".").map(String.init)
        for response in responses {
            let everything = text(response)
            for part in parts {
                #expect(!everything.contains(part))
            }
            #expect(!everything.contains("eyJ"))
            #expect(!everything.contains("mallory"))
        }
    }
}
