/// A small, blocking HTTP client for fetching identity-provider documents (JWKS, discovery metadata)
/// and posting forms (token introspection).
///
/// Calls block the calling thread until the response is complete or the policy's timeout expires:
/// run them on a thread pool, never on an event loop. Implementations throw `HTTPFetchError`.
public protocol HTTPFetching: Sendable {
    /// `GET url`. `accept`, when non-nil and non-empty, is sent as the `Accept` header.
    func get(url: String, accept: String?) throws -> HTTPFetchResponse

    /// `POST url` with `body` sent verbatim as the request body and `contentType` as its `Content-Type`
    /// (for example `application/x-www-form-urlencoded`).
    func post(url: String, contentType: String, body: [UInt8], accept: String?) throws -> HTTPFetchResponse
}

extension HTTPFetching {
    public func get(url: String) throws -> HTTPFetchResponse {
        try get(url: url, accept: nil)
    }

    public func post(url: String, contentType: String, body: [UInt8]) throws -> HTTPFetchResponse {
        try post(url: url, contentType: contentType, body: body, accept: nil)
    }
}
