/// The MCP revisions this server speaks over Streamable HTTP.
enum MCPProtocolVersion {
    /// Per-request metadata, no handshake (2026-07-28 and later).
    static let modern = ["2026-07-28"]
    /// The `initialize` handshake (no sessions are kept here), newest first.
    static let legacy = ["2025-11-25", "2025-06-18", "2025-03-26"]
    /// Every version, newest first, as `server/discover` and `-32022` list them.
    static let supported = modern + legacy
    static let latestLegacy = legacy[0]
    /// What a request without `MCP-Protocol-Version` is taken to speak (spec, "Protocol Version Header").
    static let assumedWhenAbsent = "2025-03-26"
    static let headerName = "MCP-Protocol-Version"

    /// The client's version when we speak it, otherwise our latest (the client then decides).
    static func negotiate(_ requested: String?) -> String {
        requested.flatMap { legacy.contains($0) ? $0 : nil } ?? latestLegacy
    }
}

/// Which family of revisions a request speaks, chosen from what the client sends: a dual-era
/// server "selects its behavior from how the client opens" (2026-07-28, Versioning).
enum MCPEra: Sendable, Equatable {
    /// 2025-03-26 to 2025-11-25.
    case legacy(version: String)
    /// 2026-07-28 and later: the version travels in every request's `_meta`.
    case modern

    /// Modern when the header names anything but a legacy version, or when the body carries
    /// the per-request protocol version; legacy otherwise (the handshake, or an old client).
    static func of(versionHeader: String?, meta: RequestMeta?) -> MCPEra {
        if let versionHeader {
            return MCPProtocolVersion.legacy.contains(versionHeader) && meta?.declaresProtocolVersion != true
                ? .legacy(version: versionHeader) : .modern
        }
        return meta?.declaresProtocolVersion == true ? .modern : .legacy(version: MCPProtocolVersion.assumedWhenAbsent)
    }

    var version: String {
        switch self {
        case .legacy(let version): version
        case .modern: MCPProtocolVersion.modern[0]
        }
    }
}
