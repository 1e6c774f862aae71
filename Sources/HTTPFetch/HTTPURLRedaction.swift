/// Makes a URL safe to log: drops userinfo (`user:password@`), the query and the fragment, which are
/// where credentials and tokens end up.
public enum HTTPURLRedaction {
    public static func redact(_ url: String) -> String {
        var rest = Substring(url)
        // Query and fragment can carry secrets (api keys, tokens): drop them.
        if let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            rest = rest[..<cut]
        }
        guard let schemeEnd = rest.firstRange(of: "://") else {
            return String(rest)
        }
        let scheme = rest[..<schemeEnd.lowerBound]
        let afterScheme = rest[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        var authority = afterScheme[..<authorityEnd]
        let path = afterScheme[authorityEnd...]
        // Use the last '@': anything before it is userinfo, even if it contains further '@'s.
        if let at = authority.lastIndex(of: "@") {
            authority = authority[authority.index(after: at)...]
        }
        return "\(scheme)://\(authority)\(path)"
    }
}
