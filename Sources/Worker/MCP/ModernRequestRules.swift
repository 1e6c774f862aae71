import Foundation
import NIOHTTP1

/// The 2026-07-28 rules a request meets before its method is looked at, in the order the
/// spec's own SDKs check them: the required `_meta` keys (`-32602`), the request headers
/// mirroring the body (`-32020`), then a version this server speaks (`-32022`).
enum ModernRequestRules {
    static let methodHeader = "Mcp-Method"
    static let nameHeader = "Mcp-Name"
    /// Methods whose target is mirrored into `Mcp-Name`, and the param it mirrors.
    static let nameBearingMethods = ["tools/call": "name", "prompts/get": "name", "resources/read": "uri"]

    static func violation(headers: HTTPHeaders, method: String, params: MessageParams?) -> JSONRPCError? {
        guard let meta = params?.meta else {
            return .invalidParams("params._meta is required, with \(RequestMeta.protocolVersionKey) and \(RequestMeta.clientCapabilitiesKey)")
        }
        let missing = meta.missingRequiredKeys
        guard missing.isEmpty, let version = meta.protocolVersion else {
            return .invalidParams("params._meta lacks \(missing.joined(separator: " and ")) (or holds the wrong type)")
        }
        if let problem = mismatch(headers, MCPProtocolVersion.headerName, body: version, describedAs: "the _meta protocol version") {
            return problem
        }
        if let problem = mismatch(headers, methodHeader, body: method, describedAs: "the method") {
            return problem
        }
        if let key = nameBearingMethods[method], let target = key == "uri" ? params?.uri : params?.name,
            let problem = mismatch(headers, nameHeader, body: target, describedAs: "params.\(key)", decoding: true)
        {
            return problem
        }
        guard MCPProtocolVersion.modern.contains(version) else { return .unsupportedProtocolVersion(requested: version) }
        return nil
    }

    /// Why the header does not carry exactly `body`, or nil when it does.
    private static func mismatch(
        _ headers: HTTPHeaders, _ name: String, body: String, describedAs what: String, decoding: Bool = false
    ) -> JSONRPCError? {
        let values = headers[name]
        guard let raw = values.first else { return .headerMismatch("the \(name) header is required") }
        guard values.count == 1 else { return .headerMismatch("the \(name) header appears more than once") }
        guard let value = decoding ? decodedHeaderValue(raw) : raw else {
            return .headerMismatch("the \(name) header's base64 value is malformed")
        }
        guard value == body else {
            return .headerMismatch("\(name) header value '\(value.prefix(64))' does not match \(what) '\(body.prefix(64))'")
        }
        return nil
    }

    /// A header value in the spec's `=?base64?…?=` form decoded (UTF-8), any other as it is.
    static func decodedHeaderValue(_ value: String) -> String? {
        guard value.hasPrefix("=?base64?"), value.hasSuffix("?="), value.utf8.count >= 11 else { return value }
        let encoded = value.dropFirst("=?base64?".count).dropLast(2)
        guard let data = Data(base64Encoded: String(encoded)) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
