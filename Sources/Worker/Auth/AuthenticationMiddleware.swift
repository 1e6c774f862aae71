import NIOCore

/// The one authentication stage in front of every protected route. It decides on the request
/// head, before any of the body is read or kept: a valid token becomes `context.caller` and
/// the request goes on; anything else is answered there, worded by the group's renderer
/// (OAuth JSON for REST, a JSON-RPC error on `/mcp`). Every answer names the caller for the
/// access log.
struct AuthenticationMiddleware: HTTPMiddleware {
    let authenticator: Authenticator
    let renderRefusal: @Sendable (AuthRefusal) -> HTTPResponse
    /// The answer to a request without a token, rendered once.
    private let missingTokenAnswer: HTTPResponse

    init(authenticator: Authenticator, renderRefusal: @escaping @Sendable (AuthRefusal) -> HTTPResponse) {
        self.authenticator = authenticator
        self.renderRefusal = renderRefusal
        missingTokenAnswer = renderRefusal(authenticator.missingToken)
    }

    func admit(_ request: HTTPRequest, context: RequestContext) -> Admission {
        switch authenticator.authenticate(request, context: context) {
        case .decided(let outcome):
            return decide(outcome, context: context)
        case .pending(let outcome):
            return .pending(outcome.map { self.decide($0, context: context) })
        }
    }

    func handle(_ request: HTTPRequest, context: RequestContext, next: @escaping Router.Handler) -> Eventually<HTTPResponse> {
        guard let caller = context.caller else { return next(request, context) }
        return next(request, context).map { response in
            var response = response
            response.principal = caller.principal
            return response
        }
    }

    private func decide(_ outcome: AuthenticationOutcome, context: RequestContext) -> Admission {
        switch outcome {
        case .missingToken:
            return .answer(missingTokenAnswer)
        case .refused(let refusal):
            return .answer(renderRefusal(refusal))
        case .authenticated(let token):
            var context = context
            context.caller = token
            return .proceed(context)
        }
    }
}
