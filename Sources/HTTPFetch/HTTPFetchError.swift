/// Why an outbound HTTP fetch produced no response.
///
/// Descriptions are short, single-line and never contain the URL, its userinfo, request headers or body;
/// callers that want to log the URL should pass it through `HTTPURLRedaction.redact(_:)`.
public enum HTTPFetchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL could not be parsed, has no host, or contains control characters or spaces.
    case invalidURL
    /// The scheme is neither `https` nor `http` (for example `file`, `ftp`, `gopher`). Carries the lower-cased scheme.
    case unsupportedScheme(String)
    /// The scheme is `http` but the policy does not allow plain HTTP. Carries the lower-cased scheme.
    case insecureScheme(String)
    /// A header value supplied by the caller is empty or contains control characters (CR/LF injection). Carries the header name.
    case invalidHeader(name: String)
    /// The response body is larger than `HTTPFetchPolicy.maxBodyBytes`.
    case bodyTooLarge(limit: Int)
    /// The request did not finish within the policy's timeout (or connect timeout).
    case timedOut
    /// The host could not be resolved or the TCP connection was refused or failed.
    case connectionFailed(String)
    /// TLS handshake or certificate verification failed.
    case tlsFailure(String)
    /// Any other libcurl failure. `code` is the `CURLcode`.
    case transport(code: Int, message: String)

    public var description: String {
        switch self {
        case .invalidURL:
            return "invalid URL"
        case .unsupportedScheme(let scheme):
            return "unsupported URL scheme '\(scheme)' (only https is allowed)"
        case .insecureScheme(let scheme):
            return "refusing insecure '\(scheme)' URL: https is required"
        case .invalidHeader(let name):
            return "invalid value for request header '\(name)'"
        case .bodyTooLarge(let limit):
            return "response body exceeds the limit of \(limit) bytes"
        case .timedOut:
            return "request timed out"
        case .connectionFailed(let message):
            return "connection failed: \(message)"
        case .tlsFailure(let message):
            return "TLS failure: \(message)"
        case .transport(let code, let message):
            return "HTTP transport error (curl code \(code)): \(message)"
        }
    }
}
