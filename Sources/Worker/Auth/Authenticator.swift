import Foundation
import Logging
import NIOCore

/// Either the caller's validated token or why the request is refused.
enum AuthenticationOutcome: Sendable {
    case authenticated(AccessToken)
    /// No credentials at all: the most common refusal, answered the same way every time.
    case missingToken
    case refused(AuthRefusal)
}

/// An outcome at once (nearly always), or after a key refresh.
enum AuthenticationDecision: Sendable {
    case decided(AuthenticationOutcome)
    case pending(EventLoopFuture<AuthenticationOutcome>)
}

/// Turns a request's credentials into an `AccessToken` or the challenge to answer with,
/// logging `auth.success` / `auth.failure` on the way.
struct Authenticator: Sendable {
    var validator: TokenValidator
    var keys: JWKSCache
    let challenge: AuthChallenge
    /// Tokens already verified; nil when turned off.
    var tokenCache: VerifiedTokenCache?
    /// Counts outcomes by reason; nil where nothing reports them.
    var metrics: WorkerMetrics?
    /// The refusal of a request without a token, naming the baseline scopes: built once.
    let missingToken: AuthRefusal

    init(
        validator: TokenValidator, keys: JWKSCache, challenge: AuthChallenge, baselineScopes: [String],
        tokenCache: VerifiedTokenCache? = nil, metrics: WorkerMetrics? = nil
    ) {
        self.validator = validator
        self.keys = keys
        self.challenge = challenge
        self.tokenCache = tokenCache
        self.metrics = metrics
        missingToken = challenge.missingToken(scopes: baselineScopes)
    }

    /// Needs only the request head: the body is never read before this has decided.
    func authenticate(_ request: HTTPRequest, context: RequestContext) -> AuthenticationDecision {
        let eventLoop = context.eventLoop
        // RFC 6750 §2.3 is not supported: a token in the URI ends up in logs and caches.
        if request.queryParameterNames.contains("access_token") {
            logFailure("token_in_query", context: context)
            return .decided(.refused(challenge.invalidRequest("Access tokens are accepted only in the Authorization header")))
        }
        let token: String
        switch BearerToken.extract(from: request.headers) {
        case .none:
            metrics?.refused(reason: "missing_token")
            return .decided(.missingToken)
        case .invalidRequest(let reason):
            logFailure("invalid_request", context: context)
            return .decided(.refused(challenge.invalidRequest(reason)))
        case .token(let value):
            token = value
        }

        if let cached = tokenCache?.lookup(token, now: Date().timeIntervalSince1970),
            keys.key(for: cached.keyID)?.thumbprint == cached.keyThumbprint
        {
            // `auth.success` marks a verification; a cached token's uses are in the access log
            // (which names its subject and client), so this is one line per request, not two.
            logSuccess(cached, fromCache: true, context: context)
            return .decided(.authenticated(cached))
        }

        let inspected: InspectedToken
        switch validator.inspect(token) {
        case .success(let value): inspected = value
        case .failure(let rejection): return .decided(reject(rejection, context: context))
        }

        if let key = keys.key(for: inspected.keyID) {
            return .decided(finish(inspected, token: token, key: key, context: context))
        }
        guard keys.isLoaded else {
            logFailure("keys_unavailable", context: context)
            return .decided(.refused(challenge.keysUnavailable()))
        }
        return .pending(keys.keyAfterRefresh(for: inspected.keyID, on: eventLoop).map { key in
            guard let key else { return self.reject(TokenRejection.keyIDUnknown, context: context) }
            return self.finish(inspected, token: token, key: key, context: context)
        })
    }

    private func finish(_ inspected: InspectedToken, token: String, key: VerificationKey, context: RequestContext) -> AuthenticationOutcome {
        switch validator.verify(inspected, with: key, now: Date().timeIntervalSince1970) {
        case .success(let accessToken):
            tokenCache?.store(token, as: accessToken)
            logSuccess(accessToken, fromCache: false, context: context)
            return .authenticated(accessToken)
        case .failure(let rejection):
            return reject(rejection, context: context)
        }
    }

    private func logSuccess(_ token: AccessToken, fromCache: Bool, context: RequestContext) {
        metrics?.accepted(fromCache: fromCache)
        let level: Logger.Level = fromCache ? .debug : .info
        guard context.baseLogger.logLevel <= level else { return }
        var metadata: Logger.Metadata = ["event": "auth.success", "kid": .string(token.keyID)]
        if let subject = token.subject { metadata["sub"] = .string(subject) }
        if let client = token.clientID { metadata["client_id"] = .string(client) }
        context.logger.log(level: level, "auth.success", metadata: metadata)
    }

    private func reject(_ rejection: TokenRejection, context: RequestContext) -> AuthenticationOutcome {
        logFailure(rejection.code, context: context)
        return .refused(challenge.invalidToken(rejection))
    }

    private func logFailure(_ reason: String, context: RequestContext) {
        metrics?.refused(reason: reason)
        context.logger.warning("auth.failure", metadata: ["event": "auth.failure", "reason": .string(reason)])
    }
}
