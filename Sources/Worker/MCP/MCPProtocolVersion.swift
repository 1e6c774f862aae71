/// The MCP revisions this server speaks over Streamable HTTP, newest first.
enum MCPProtocolVersion {
    static let supported = ["2025-11-25", "2025-06-18", "2025-03-26"]
    static let latest = supported[0]
    /// What a request without `MCP-Protocol-Version` is taken to speak (spec, "Protocol Version Header").
    static let assumedWhenAbsent = "2025-03-26"
    static let headerName = "MCP-Protocol-Version"

    /// The client's version when we speak it, otherwise our latest (the client then decides).
    static func negotiate(_ requested: String) -> String {
        supported.contains(requested) ? requested : latest
    }
}
