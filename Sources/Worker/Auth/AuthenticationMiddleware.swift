import NIOCore

/// The one authentication stage in front of every protected route: a valid token becomes
/// `context.caller` and the request goes on; anything else is refused here, worded by the
/// group's renderer (OAuth JSON for REST, a JSON-RPC error on `/mcp`). Every answer names the
/// caller for the access log.
struct AuthenticationMiddleware: HTTPMiddleware {
    var authenticator: Authenticator
    var renderRefusal: @Sendable (AuthRefusal, HTTPRequest) -> HTTPResponse

    func handle(_ request: HTTPRequest, context: RequestContext, next: @escaping Router.Handler) -> EventLoopFuture<HTTPResponse> {
        // A promise rather than `flatMap`: routes that answer at once add no extra future.
        let answered = context.eventLoop.makePromise(of: HTTPResponse.self)
        authenticator.authenticate(request, context: context).whenComplete { result in
            switch result {
            case .failure(let error):
                answered.fail(error)
            case .success(.refused(let refusal)):
                answered.succeed(self.renderRefusal(refusal, request))
            case .success(.authenticated(let token)):
                var context = context
                context.caller = token
                next(request, context).whenComplete { result in
                    answered.completeWith(result.map { response in
                        var response = response
                        response.principal = token.principal
                        return response
                    })
                }
            }
        }
        return answered.futureResult
    }
}
