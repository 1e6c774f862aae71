import Foundation

/// Where and how to reach Redis: `redis://[[user]:password@]host[:port][/db]`.
///
/// The one parser for `GATEHOUSE_REDIS_URL`. Hand-written rather than `URLComponents` because the
/// rules are few and must be exact: the password is percent-decoded (so it may contain any character),
/// credentials without a password are refused (a lone `secret@host` is ambiguous between user and
/// password, and guessing wrong would print a password as a user name), and no error or `description`
/// ever contains the password, nor the raw text it came from.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    public static let defaultPort = 6379

    public var host: String
    public var port: Int
    /// The database index, selected (`SELECT`) right after connecting.
    public var database: Int
    /// The ACL user; nil authenticates as the default user (`AUTH password`).
    public var username: String?
    /// Sent with `AUTH` and nowhere else. Settable, so that a password read from a secret file can
    /// replace the one in the URL.
    public var password: String?

    public init(host: String, port: Int = defaultPort, database: Int = 0, username: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
    }

    public init(parsing text: String) throws(RedisURLError) {
        guard let separator = text.range(of: "://") else { throw RedisURLError("is not a redis://host:port/db URL") }
        switch text[..<separator.lowerBound].lowercased() {
        case "redis": break
        case "rediss": throw RedisURLError("rediss:// (TLS) is not supported yet; use redis:// over a trusted network")
        default: throw RedisURLError("is not a redis://host:port/db URL")
        }
        let rest = text[separator.upperBound...]
        if rest.contains("?") || rest.contains("#") {
            throw RedisURLError("query parameters and fragments are not supported")
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        let path = rest[authorityEnd...].dropFirst()

        // The last "@" ends the credentials: an unencoded "@" in a password still parses.
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            authority = authority[authority.index(after: at)...]
            guard let colon = credentials.firstIndex(of: ":") else {
                throw RedisURLError("credentials must be written :password@ or user:password@")
            }
            let user = try Self.percentDecoded(credentials[..<colon], "the user name")
            let password = try Self.percentDecoded(credentials[credentials.index(after: colon)...], "the password")
            guard !password.isEmpty else { throw RedisURLError("the password after ':' is empty") }
            self.username = user.isEmpty ? nil : user
            self.password = password
        }

        let portText: Substring?
        if authority.hasPrefix("[") {  // [IPv6]
            guard let close = authority.firstIndex(of: "]") else { throw RedisURLError("has an unterminated [IPv6] host") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw RedisURLError("has text after the [IPv6] host") }
            portText = after.isEmpty ? nil : after.dropFirst()
        } else if let colon = authority.firstIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
            portText = nil
        }
        guard !host.isEmpty, host.allSatisfy(Self.hostCharacters.contains) else { throw RedisURLError("has no valid host name") }

        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw RedisURLError("the port must be a number from 1 to 65535")
            }
            self.port = port
        } else {
            port = Self.defaultPort
        }

        if path.isEmpty {
            database = 0
        } else {
            guard path.allSatisfy(\.isASCII), let database = Int(path), database >= 0, database <= Int(Int32.max) else {
                throw RedisURLError("the database index after the host must be a number")
            }
            self.database = database
        }
    }

    /// The URL with the password masked: safe for logs and error messages.
    public var description: String { rendered(password: password.map { _ in "***" }) }

    /// The full URL, password included (percent-encoded): for handing the configuration on,
    /// never for printing.
    public var connectionString: String { rendered(password: password.map(Self.percentEncoded)) }

    private func rendered(password shownPassword: String?) -> String {
        var credentials = ""
        if let shownPassword {
            credentials = "\(username.map(Self.percentEncoded) ?? ""):\(shownPassword)@"
        } else if let username {
            credentials = "\(Self.percentEncoded(username))@"
        }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "redis://\(credentials)\(hostPart):\(port)/\(database)"
    }

    /// Keeps the password out of `dump`, debuggers and anything else that prints by reflection.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "host": host, "port": port, "database": database, "username": username as Any,
            "password": password == nil ? "nil" : "***",
        ])
    }

    private static let hostCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:")

    private static func percentDecoded(_ text: Substring, _ what: String) throws(RedisURLError) -> String {
        // removingPercentEncoding fails on a malformed escape or on bytes that are not UTF-8.
        guard let decoded = String(text).removingPercentEncoding else {
            throw RedisURLError("\(what) has an invalid percent-encoding")
        }
        return decoded
    }

    private static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed.subtracting(CharacterSet(charactersIn: ":@"))) ?? text
    }
}

/// Why a Redis URL was refused. Never quotes the URL: it may hold a password.
public struct RedisURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
