/// The `authz.denied` security event: a valid token without the scope an operation needs.
enum AuthorizationDenial {
    static func log(scope: String, token: AccessToken, context: RequestContext) {
        context.logger.warning("authz.denied", metadata: [
            "event": "authz.denied", "required_scope": .string(scope),
            "sub": .string(token.subject ?? "-"), "client_id": .string(token.clientID ?? "-"),
        ])
    }
}
