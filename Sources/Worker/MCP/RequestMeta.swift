import MCP

/// A request's `params._meta`, as far as this server reads it: the per-request protocol
/// fields of 2026-07-28 (basic/index, "Per-request protocol fields") and the trace context.
struct RequestMeta: Decodable, Sendable {
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

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let versionKey = Key(Self.protocolVersionKey)
        declaresProtocolVersion = container.contains(versionKey)
        protocolVersion = try? container.decode(String.self, forKey: versionKey)
        hasClientCapabilities = (try? container.decode([String: PlainJSONValue].self, forKey: Key(Self.clientCapabilitiesKey))) != nil
        traceparent = (try? container.decode(String.self, forKey: Key("traceparent"))).flatMap { Self.isTraceparent($0) ? $0 : nil }
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
