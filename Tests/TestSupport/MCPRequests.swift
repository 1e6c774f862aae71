import Foundation

/// JSON-RPC bodies for the MCP calls tests make.
public enum MCPRequests {
    public static func initialize(id: Int = 1, protocolVersion: String = "2025-11-25") -> [String: Any] {
        ["jsonrpc": "2.0", "id": id, "method": "initialize",
         "params": ["protocolVersion": protocolVersion, "capabilities": [String: Any](),
                    "clientInfo": ["name": "gatehouse-tests", "version": "1.0"]]]
    }

    public static func listTools(id: Int = 2) -> [String: Any] {
        ["jsonrpc": "2.0", "id": id, "method": "tools/list"]
    }

    public static func callTool(_ name: String, arguments: [String: Any] = [:], id: Int = 3) -> [String: Any] {
        ["jsonrpc": "2.0", "id": id, "method": "tools/call", "params": ["name": name, "arguments": arguments]]
    }

    public static func bearer(_ token: String) -> [String: String] {
        ["Authorization": "Bearer \(token)"]
    }
}

/// A parsed `WWW-Authenticate: Bearer k="v", ...` challenge.
public struct BearerChallenge: Equatable, Sendable {
    public var parameters: [String: String]

    public init?(_ header: String?) {
        guard let header, header.lowercased().hasPrefix("bearer ") else { return nil }
        var parameters: [String: String] = [:]
        var rest = Substring(header.dropFirst("bearer ".count))
        while !rest.isEmpty {
            rest = rest.drop(while: { $0 == " " || $0 == "," })
            guard let equals = rest.firstIndex(of: "=") else { break }
            let name = String(rest[..<equals]).trimmingCharacters(in: .whitespaces)
            rest = rest[rest.index(after: equals)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                while let character = rest.first {
                    rest = rest.dropFirst()
                    if escaped { value.append(character); escaped = false }
                    else if character == "\\" { escaped = true }
                    else if character == "\"" { break }
                    else { value.append(character) }
                }
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = String(rest[..<end])
                rest = rest[end...]
            }
            parameters[name] = value
        }
        self.parameters = parameters
    }

    public subscript(_ name: String) -> String? { parameters[name] }
}
