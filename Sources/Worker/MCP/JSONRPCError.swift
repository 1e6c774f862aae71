import Common
import MCP

/// A JSON-RPC error object, with the codes MCP defines and the few this server adds.
struct JSONRPCError: Error, Sendable, Equatable {
    var code: Int
    var message: String
    var data: Value?

    static let parseErrorCode = -32700
    static let invalidRequestCode = -32600
    static let methodNotFoundCode = -32601
    static let invalidParamsCode = -32602
    static let internalErrorCode = -32603
    /// 2026-07-28: headers disagree with the body, or a required one is missing.
    static let headerMismatchCode = -32020
    static let unsupportedProtocolVersionCode = -32022
    /// Refusals that travel with HTTP 401, 403 and 503. Application codes, numbered outside
    /// JSON-RPC's reserved range (-32768 to -32000) as the 2026-07-28 error-code policy asks;
    /// each is the HTTP status it comes with.
    static let unauthorizedCode = 401
    static let forbiddenCode = 403
    static let unavailableCode = 503

    static func parseError(_ message: String) -> Self { Self(code: parseErrorCode, message: "Parse error: \(message)") }
    static func invalidRequest(_ message: String) -> Self { Self(code: invalidRequestCode, message: "Invalid request: \(message)") }
    static func invalidParams(_ message: String) -> Self { Self(code: invalidParamsCode, message: message) }
    static func headerMismatch(_ message: String) -> Self { Self(code: headerMismatchCode, message: "Header mismatch: \(message)") }

    static func methodNotFound(_ method: String) -> Self {
        Self(code: methodNotFoundCode, message: "Method not found: '\(method.prefix(64))' is not supported")
    }

    static func unsupportedProtocolVersion(requested: String) -> Self {
        Self(code: unsupportedProtocolVersionCode, message: "Unsupported protocol version",
             data: ["supported": .array(MCPProtocolVersion.supported.map(Value.string)), "requested": .string(String(requested.prefix(64)))])
    }

    /// An authentication or authorization refusal, worded for the person at the keyboard.
    static func refused(_ refusal: AuthRefusal) -> Self {
        let code = switch refusal.status.code {
        case 401: unauthorizedCode
        case 403: forbiddenCode
        case 503: unavailableCode
        default: invalidRequestCode
        }
        return Self(code: code, message: refusal.message)
    }
}

/// JSON-RPC responses written straight to bytes, keys sorted (as `JSONCoding` sorts them).
enum JSONRPCWriter {
    /// `{"id":…,"jsonrpc":"2.0","result":…}`
    static func result(_ result: Value, id: ID) -> [UInt8] {
        var json = JSONWriter(capacity: 512)
        json.raw(#"{"id":"#)
        json.id(id)
        json.raw(#","jsonrpc":"2.0","result":"#)
        json.value(result)
        json.raw(UInt8(ascii: "}"))
        return json.bytes
    }

    /// `{"error":{…},"id":…,"jsonrpc":"2.0"}`; the id is null when the request's could not be read.
    static func error(_ error: JSONRPCError, id: ID?) -> [UInt8] {
        var json = JSONWriter(capacity: 128 + error.message.utf8.count)
        json.raw(#"{"error":{"code":"#)
        json.number(error.code)
        if let data = error.data {
            json.raw(#","data":"#)
            json.value(data)
        }
        json.raw(#","message":"#)
        json.string(error.message)
        json.raw(#"},"id":"#)
        json.id(id)
        json.raw(#","jsonrpc":"2.0"}"#)
        return json.bytes
    }
}

extension JSONWriter {
    mutating func id(_ id: ID?) {
        switch id {
        case .string(let text)?: string(text)
        case .number(let value)?: number(value)
        case nil: raw("null")
        }
    }
}
