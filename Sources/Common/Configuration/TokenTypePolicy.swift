/// Which tokens count as access tokens (RFC 9068, RFC 8725 §3.11).
public enum TokenTypePolicy: String, Sendable, Hashable, CaseIterable {
    /// Header `typ` of `at+jwt`, `application/at+jwt`, `JWT` or none; Keycloak's payload
    /// `typ`, when present, must be `Bearer` (refuses its ID, Refresh and Logout tokens).
    case standard
    /// RFC 9068 only: header `typ` must be `at+jwt` or `application/at+jwt`.
    case strict
}
