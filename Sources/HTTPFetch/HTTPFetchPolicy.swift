import Common

/// Limits and safety switches for one outbound HTTP fetch (JWKS, OpenID discovery, token introspection).
///
/// The defaults are deliberately tight: these fetches go to an identity provider that should answer
/// quickly with a small JSON document, and a slow or oversized answer is treated as a failure rather
/// than something to wait for.
public struct HTTPFetchPolicy: Sendable, Equatable {
    /// Upper bound on the whole request (connect + TLS + send + receive). Values below 1 ms are rounded up to 1 ms
    /// (libcurl treats 0 as "no timeout", which must never happen by accident).
    public var timeout: Duration
    /// Upper bound on establishing the connection (TCP + TLS handshake). Same rounding as `timeout`.
    public var connectTimeout: Duration
    /// Largest accepted response body in bytes. Anything bigger fails with `HTTPFetchError.bodyTooLarge`.
    /// Negative values are treated as 0 (no body allowed).
    public var maxBodyBytes: Int
    /// Allow plain `http://` URLs. Off by default; meant for local development and tests only.
    public var allowInsecureHTTP: Bool
    /// Sent as the `User-Agent` header.
    public var userAgent: String

    public static let defaultUserAgent = "gatehouse/\(GatehouseVersion.current)"

    public init(
        timeout: Duration = .seconds(5),
        connectTimeout: Duration = .seconds(3),
        maxBodyBytes: Int = 1 << 20,
        allowInsecureHTTP: Bool = false,
        userAgent: String = HTTPFetchPolicy.defaultUserAgent
    ) {
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxBodyBytes = maxBodyBytes
        self.allowInsecureHTTP = allowInsecureHTTP
        self.userAgent = userAgent
    }
}
