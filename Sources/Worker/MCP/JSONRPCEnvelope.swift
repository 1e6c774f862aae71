import MCP

/// One incoming JSON-RPC message, read in one pass: its kind and, for the hot method
/// (`tools/call`), its params, typed. Typed decoding avoids the failed attempts (each a thrown
/// error) that reading an object as "any JSON value" costs; rarer methods decode their params
/// again themselves.
struct JSONRPCEnvelope: Decodable, Sendable {
    enum Kind: Sendable, Equatable {
        case request(ID, method: String)
        case notification(method: String)
        /// A client's answer to a server request; stateless servers make none, so just accept.
        case response
        case invalid(String)
    }

    let kind: Kind
    /// For `tools/call`: its params, or nil when they are missing or malformed.
    let toolCall: ToolCallRequest?

    private enum CodingKeys: String, CodingKey {
        case jsonrpc, id, method, params, result, error
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let method = try? container.decode(String.self, forKey: .method)
        toolCall = method == CallTool.name ? try? container.decode(ToolCallRequest.self, forKey: .params) : nil
        guard (try? container.decode(String.self, forKey: .jsonrpc)) == "2.0" else {
            kind = .invalid("jsonrpc must be \"2.0\"")
            return
        }
        let hasID = container.contains(.id)
        if hasID, (try? container.decodeNil(forKey: .id)) == true {
            kind = .invalid("id must be a string or a number, not null")
            return
        }
        let id: ID? = hasID ? Self.decodeID(container) : nil
        if hasID && id == nil {
            kind = .invalid("id must be a string or a number")
            return
        }
        switch (method, id) {
        case (let method?, let id?):
            kind = .request(id, method: method)
        case (let method?, nil):
            kind = .notification(method: method)
        case (nil, _?) where container.contains(.result) || container.contains(.error):
            kind = .response
        default:
            kind = container.contains(.method) ? .invalid("method must be a string") : .invalid("method is missing")
        }
    }

    /// Numbers first: the SDKs number their requests, and each failed attempt costs a thrown error.
    private static func decodeID(_ container: KeyedDecodingContainer<CodingKeys>) -> ID? {
        if let number = try? container.decode(Int.self, forKey: .id) { return .number(number) }
        if let text = try? container.decode(String.self, forKey: .id) { return .string(text) }
        return nil
    }
}

/// An outgoing JSON-RPC response: a result or an error, with the request's id (or null when
/// the request could not be read far enough to have one).
struct JSONRPCReply<Result: Encodable & Sendable>: Encodable, Sendable {
    var id: ID?
    var outcome: Swift.Result<Result, MCPError>

    private enum CodingKeys: String, CodingKey {
        case jsonrpc, id, result, error
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("2.0", forKey: .jsonrpc)
        if let id { try container.encode(id, forKey: .id) } else { try container.encodeNil(forKey: .id) }
        switch outcome {
        case .success(let result): try container.encode(result, forKey: .result)
        case .failure(let error): try container.encode(error, forKey: .error)
        }
    }
}

extension JSONRPCReply where Result == Empty {
    static func failure(id: ID?, _ error: MCPError) -> Self {
        Self(id: id, outcome: .failure(error))
    }
}
