import MCP

/// A request's `params._meta`, as far as this server reads it: the per-request protocol
/// fields of 2026-07-28 (basic/index, "Per-request protocol fields") and the trace context.
struct RequestMeta: Sendable {
    static let protocolVersionKey = "io.modelcontextprotocol/protocolVersion"
    static let clientCapabilitiesKey = "io.modelcontextprotocol/clientCapabilities"
    static let clientInfoKey = "io.modelcontextprotocol/clientInfo"

    /// The protocol version, when it is a string.
    var protocolVersion: String?
    /// The protocol-version key is there, whatever its value.
    var declaresProtocolVersion: Bool
    /// The client-capabilities key is there and holds an object.
    var hasClientCapabilities: Bool
    /// A W3C `traceparent`, kept only when well-formed (it reaches the access log).
    var traceparent: String?

    init(protocolVersion: String? = nil, declaresProtocolVersion: Bool = false, hasClientCapabilities: Bool = false) {
        self.protocolVersion = protocolVersion
        self.declaresProtocolVersion = declaresProtocolVersion
        self.hasClientCapabilities = hasClientCapabilities
    }

    /// Reads an object (the caller has checked that it is one).
    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var meta = RequestMeta()
        try reader.readObject { reader, name throws(JSONReadError) in
            if name.matches(Self.protocolVersionKey) {
                meta.declaresProtocolVersion = true
                meta.protocolVersion = try reader.readStringIfString()
            } else if name.matches(Self.clientCapabilitiesKey) {
                var outOfRange = false
                let isObject = try reader.kind() == .object
                _ = try reader.readPlainValue(outOfRange: &outOfRange)
                meta.hasClientCapabilities = isObject && !outOfRange
            } else if name.matches("traceparent") {
                meta.traceparent = try reader.readStringIfString().flatMap { Self.isTraceparent($0) ? $0 : nil }
            }
        }
        self = meta
    }

    /// The required keys that are missing or malformed, by name.
    var missingRequiredKeys: [String] {
        var missing: [String] = []
        if protocolVersion == nil { missing.append(Self.protocolVersionKey) }
        if !hasClientCapabilities { missing.append(Self.clientCapabilitiesKey) }
        return missing
    }

    /// `00-<32 hex>-<16 hex>-<2 hex>` (W3C Trace Context, version 00).
    static func isTraceparent(_ value: String) -> Bool {
        let parts = value.utf8.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 4, parts.map(\.count) == [2, 32, 16, 2] else { return false }
        return parts.allSatisfy { part in
            part.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
        }
    }
}
