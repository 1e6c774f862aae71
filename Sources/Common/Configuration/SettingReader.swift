/// Reads settings through their declarations: the type, range and default come from the
/// settings table, and what is wrong with each value becomes one problem naming the setting.
///
/// A declaration the reader cannot honour (a kind read as another, a default that does not
/// parse) is a mistake in the table, not in the operator's configuration: it stops the
/// process, and the table's tests make sure it never ships.
struct SettingReader {
    let source: ConfigurationSource
    private(set) var problems: [ConfigurationProblem] = []
    /// Things worth a log line that do not stop start-up.
    private(set) var warnings: [String] = []
    /// The settings read so far: a test checks that loading reads every declared one.
    private(set) var consulted: Set<String> = []

    init(source: ConfigurationSource) {
        self.source = source
    }

    mutating func problem(_ setting: Setting, _ message: String) {
        problems.append(ConfigurationProblem(setting.name, message))
    }

    mutating func warn(_ message: String) {
        warnings.append(message)
    }

    /// The operator's value, trimmed; blank counts as unset.
    mutating func operatorValue(_ setting: Setting) -> String? {
        consulted.insert(setting.name)
        return source[setting.name]
    }

    /// Whether the operator set the variable at all, even to nothing.
    mutating func isPresent(_ setting: Setting) -> Bool {
        consulted.insert(setting.name)
        return source.values[setting.name] != nil
    }

    // MARK: - By kind

    mutating func boolean(_ setting: Setting) -> Bool {
        guard case .boolean = setting.kind else { Self.misdeclared(setting, "boolean") }
        return read(setting, parse: Self.parseBoolean) { "'\($0)' is not a boolean (true or false)" }
    }

    /// `computedDefault` for a setting whose default is worked out at start-up.
    mutating func wholeNumber(_ setting: Setting, computedDefault: Int? = nil) -> Int {
        guard case .wholeNumber(let range) = setting.kind else { Self.misdeclared(setting, "whole number") }
        return read(setting, computedDefault: computedDefault, parse: { Int($0).flatMap { range.contains($0) ? $0 : nil } }) {
            "'\($0)' is not a whole number between \(range.lowerBound) and \(range.upperBound)"
        }
    }

    mutating func seconds(_ setting: Setting) -> Duration {
        guard case .seconds(let range) = setting.kind else { Self.misdeclared(setting, "seconds") }
        let parse = { (text: String) -> Duration? in
            guard let value = Double(text), value.isFinite, range.contains(value) else { return nil }
            return .milliseconds(Int64((value * 1000).rounded()))
        }
        return read(setting, parse: parse) {
            "'\($0)' is not a number of seconds between \(range.lowerBound.settingText) and \(range.upperBound.settingText)"
        }
    }

    /// One word of the declared set, as the type that gives it meaning.
    mutating func choice<Value: RawRepresentable>(_ setting: Setting, as type: Value.Type) -> Value
    where Value.RawValue == String {
        guard case .choice(let words) = setting.kind else { Self.misdeclared(setting, "choice") }
        let parse = { (text: String) -> Value? in
            words.contains(text.lowercased()) ? Value(rawValue: text.lowercased()) : nil
        }
        return read(setting, parse: parse) { "'\($0)' is not one of the accepted values" }
    }

    /// The items, or nil when unset (the caller knows what that means).
    mutating func list(_ setting: Setting) -> [String]? {
        guard case .list = setting.kind else { Self.misdeclared(setting, "list") }
        return operatorValue(setting).map(Self.items)
    }

    /// The text, or the declared default; a value shorter than the declared minimum is a
    /// problem (and is still returned, so no second problem says it is missing).
    mutating func text(_ setting: Setting) -> String? {
        guard case .text(let minimumBytes) = setting.kind else { Self.misdeclared(setting, "text") }
        guard let raw = operatorValue(setting) else { return setting.defaultValue.text }
        if raw.utf8.count < minimumBytes {
            problem(setting, "must be at least \(minimumBytes) bytes (e.g. openssl rand -hex 32)")
        }
        return raw
    }

    mutating func path(_ setting: Setting) -> String? {
        guard case .path = setting.kind else { Self.misdeclared(setting, "path") }
        return operatorValue(setting)
    }

    /// An absolute http(s) URL; a required one that is missing is a problem. `role` names it
    /// in that problem ("the issuer URL").
    mutating func url(_ setting: Setting, allowInsecureHTTP: Bool, role: String) -> String? {
        guard case .url(let plainHTTP) = setting.kind else { Self.misdeclared(setting, "URL") }
        guard let raw = operatorValue(setting) else {
            if setting.defaultValue == .required { problem(setting, "is required: the \(role) URL, e.g. https://example.com/...") }
            return nil
        }
        guard let parts = URLParts(raw), parts.scheme == "https" || parts.scheme == "http" else {
            problem(setting, "'\(raw)' is not an absolute http(s) URL")
            return nil
        }
        if parts.hasFragment {
            problem(setting, "'\(raw)' must not contain a fragment (#...)")
            return nil
        }
        if parts.hasUserInfo {
            // Not the value: user information is where a password would be.
            problem(setting, "must not contain user information")
            return nil
        }
        if parts.scheme == "http" && !allowInsecureHTTP && plainHTTP != .allowed {
            problem(setting, "'\(raw)' uses http://; use https:// or set \(Setting.allowInsecureHTTP.name)=true for development")
            return nil
        }
        return raw
    }

    mutating func listenAddresses(_ setting: Setting) -> [BindAddress] {
        guard case .listenAddresses = setting.kind else { Self.misdeclared(setting, "listen addresses") }
        guard let raw = operatorValue(setting) else {
            return Self.declaredDefault(setting) { text in
                let addresses = Self.items(text).compactMap(BindAddress.init(parsing:))
                return addresses.isEmpty ? nil : addresses
            }
        }
        return Self.items(raw).compactMap { text in
            guard let address = BindAddress(parsing: text) else {
                problem(setting, "'\(text)' is not host:port, [ipv6]:port or unix:/absolute/path")
                return nil
            }
            return address
        }
    }

    /// A listener of its own: never one of `publicAddresses`; set and empty turns it off.
    mutating func optionalListenAddress(_ setting: Setting, apartFrom publicAddresses: [BindAddress]) -> BindAddress? {
        guard case .optionalListenAddress = setting.kind else { Self.misdeclared(setting, "optional listen address") }
        let parse = { (text: String) -> BindAddress? in
            guard case .tcp(let host, let port)? = BindAddress(parsing: text) else { return nil }
            return .tcp(host: host, port: port)
        }
        guard isPresent(setting) else { return Self.declaredDefault(setting, parse) }
        guard let raw = operatorValue(setting) else { return nil }
        guard case .tcp(let host, let port)? = parse(raw) else {
            problem(setting, "'\(raw)' is not host:port or [ipv6]:port (empty turns metrics off)")
            return nil
        }
        let wildcard = ["0.0.0.0", "::"]
        let clashes = port != 0 && publicAddresses.contains { address in
            guard case .tcp(let publicHost, let publicPort) = address, publicPort == port else { return false }
            return publicHost == host || wildcard.contains(publicHost) || wildcard.contains(host)
        }
        if clashes {
            problem(setting, "'\(raw)' is a public address (\(Setting.bind.name)): metrics are served on a listener of their own")
        }
        return .tcp(host: host, port: port)
    }

    mutating func redisURL(_ setting: Setting) -> String? {
        guard case .redisURL = setting.kind else { Self.misdeclared(setting, "Redis URL") }
        guard let raw = operatorValue(setting) else { return nil }
        do {
            _ = try RedisURL(parsing: raw)
            return raw
        } catch {
            // The parser's reason never repeats the password.
            problem(setting, error.reason)
            return nil
        }
    }

    // MARK: - Settings with rules of their own

    /// Asymmetric algorithms only: `none` and the HMAC family get a line saying why.
    mutating func algorithms(_ setting: Setting) -> [JWSAlgorithm] {
        guard case .choices(let names) = setting.kind else { Self.misdeclared(setting, "choices") }
        let parse = { (text: String) -> JWSAlgorithm? in
            names.first { $0.lowercased() == text.lowercased() }.flatMap(JWSAlgorithm.init(rawValue:))
        }
        guard let raw = operatorValue(setting) else {
            return Self.declaredDefault(setting) { text in
                let algorithms = Self.items(text).compactMap(parse)
                return algorithms.isEmpty ? nil : algorithms
            }
        }
        var accepted: [JWSAlgorithm] = []
        var refusedAny = false
        for text in Self.items(raw) {
            if let algorithm = parse(text) {
                if !accepted.contains(algorithm) { accepted.append(algorithm) }
                continue
            }
            refusedAny = true
            if text.lowercased() == "none" {
                problem(setting, "'none' is never accepted: every token must be signed")
            } else if text.uppercased().hasPrefix("HS") {
                problem(setting, "'\(text)' is a shared-secret algorithm; a resource server accepts only asymmetric signatures")
            } else {
                problem(setting, "'\(text)' is not a supported algorithm (\(names.joined(separator: ", ")))")
            }
        }
        if accepted.isEmpty && !refusedAny {
            problem(setting, "names no algorithm")
        }
        return accepted
    }

    /// Browser origins (`scheme://host[:port]`), normalised as `Origin` headers carry them.
    mutating func origins(_ setting: Setting) -> [String] {
        (list(setting) ?? []).compactMap { origin in
            guard origin != "*", let parts = URLParts(origin), parts.path.isEmpty || parts.path == "/", !parts.hasQuery,
                !parts.hasFragment, !parts.hasUserInfo, parts.scheme == "https" || parts.scheme == "http"
            else {
                problem(setting, "'\(origin)' is not an origin like https://app.example.com")
                return nil
            }
            return parts.origin
        }
    }

    // MARK: - Helpers

    /// The operator's value through `parse`; the default (computed, or the declared one) when
    /// it is unset, or refused with the problem `refusal` words.
    private mutating func read<Value>(
        _ setting: Setting, computedDefault: Value? = nil, parse: (String) -> Value?, refusal: (String) -> String
    ) -> Value {
        let fallback = computedDefault ?? Self.declaredDefault(setting, parse)
        guard let raw = operatorValue(setting) else { return fallback }
        guard let value = parse(raw) else {
            problem(setting, refusal(raw))
            return fallback
        }
        return value
    }

    private static func items(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    private static func parseBoolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: return nil
        }
    }

    private static func declaredDefault<Value>(_ setting: Setting, _ parse: (String) -> Value?) -> Value {
        guard let text = setting.defaultValue.text, let value = parse(text) else {
            preconditionFailure("\(setting.name): the settings table's default does not pass the setting's own checks")
        }
        return value
    }

    private static func misdeclared(_ setting: Setting, _ expected: String) -> Never {
        preconditionFailure("\(setting.name) is read as \(expected) but declared as \(setting.kind)")
    }
}
