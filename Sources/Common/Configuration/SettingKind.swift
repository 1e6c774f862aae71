/// What a setting's value looks like: the loader validates by it and the documentation
/// describes it from the same case.
public enum SettingKind: Sendable, Hashable {
    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    case boolean
    case wholeNumber(ClosedRange<Int>)
    /// A number of seconds, fractions allowed.
    case seconds(ClosedRange<Double>)
    /// One of a fixed set of words (case-insensitive).
    case choice([String])
    /// Comma-separated words from a fixed set.
    case choices([String])
    /// Free text; a secret names the least length that means something.
    case text(minimumBytes: Int = 0)
    /// A file's path.
    case path
    /// Comma-separated items, named for the documentation (`"origins"`).
    case list(of: String)
    /// An absolute `https://` URL; `http://` too when `plainHTTP` says so, or with
    /// `GATEHOUSE_ALLOW_INSECURE_HTTP` for the URLs that rule covers.
    case url(plainHTTP: PlainHTTP)
    /// Comma-separated `host:port`, `[v6]:port` or `unix:/path`.
    case listenAddresses
    /// One `host:port` or `[v6]:port`; set and empty turns the listener off.
    case optionalListenAddress
    case redisURL

    /// Whether a URL setting may use plain `http://`.
    public enum PlainHTTP: Sendable, Hashable {
        /// Only with `GATEHOUSE_ALLOW_INSECURE_HTTP` (development, a private hop).
        case withInsecureHTTPOnly
        /// Always: nothing is fetched from it.
        case allowed
    }

    /// How the documentation and the example files describe the value (Markdown: code in
    /// backticks, which the example files drop).
    public var summary: String {
        switch self {
        case .boolean:
            return "`true` or `false`"
        case .wholeNumber(let range):
            return "a whole number from \(range.lowerBound) to \(range.upperBound)"
        case .seconds(let range):
            return "seconds, from \(range.lowerBound.settingText) to \(range.upperBound.settingText)"
        case .choice(let words):
            return "one of " + words.map { "`\($0)`" }.joined(separator: ", ")
        case .choices(let words):
            return "comma-separated, from " + words.map { "`\($0)`" }.joined(separator: ", ")
        case .text(let minimumBytes):
            return minimumBytes > 0 ? "at least \(minimumBytes) bytes" : "text"
        case .path:
            return "a file path"
        case .list(let items):
            return "comma-separated " + items
        case .url(.withInsecureHTTPOnly):
            return "an absolute `https://` URL (`http://` with `GATEHOUSE_ALLOW_INSECURE_HTTP`)"
        case .url(.allowed):
            return "an absolute `http://` or `https://` URL"
        case .listenAddresses:
            return "comma-separated `host:port`, `[v6]:port` or `unix:/path`"
        case .optionalListenAddress:
            return "`host:port` or `[v6]:port`; empty turns it off"
        case .redisURL:
            return "`redis://[[user]:password@]host:port/db`"
        }
    }
}

extension Double {
    /// `30` rather than `30.0`, and `0.1` as it is: how the setting would be written.
    var settingText: String {
        rounded() == self ? String(Int(self)) : String(self)
    }
}
