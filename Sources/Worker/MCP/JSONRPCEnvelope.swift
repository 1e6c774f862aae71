import MCP

/// One incoming JSON-RPC message, read in one pass: its kind and the params this server
/// uses (the tool call's name and arguments, `_meta`, `initialize`'s version). Typed decoding
/// avoids the failed attempts (each a thrown error) that reading "any JSON value" costs.
struct JSONRPCEnvelope: Decodable, Sendable {
    enum Kind: Sendable, Equatable {
        case request(ID, method: String)
        case notification(method: String)
        /// A client's answer to a server request.
        case response
        case invalid(String)
    }

    let kind: Kind
    let params: MessageParams?

    private enum CodingKeys: String, CodingKey {
        case jsonrpc, id, method, params, result, error
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let method = try? container.decode(String.self, forKey: .method)
        params = try? container.decode(MessageParams.self, forKey: .params)
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

    var meta: RequestMeta? { params?.meta }

    /// Numbers first: the SDKs number their requests, and each failed attempt costs a thrown error.
    private static func decodeID(_ container: KeyedDecodingContainer<CodingKeys>) -> ID? {
        if let number = try? container.decode(Int.self, forKey: .id) { return .number(number) }
        if let text = try? container.decode(String.self, forKey: .id) { return .string(text) }
        return nil
    }
}

/// The members of `params` this server reads; each is decoded on its own, so one malformed
/// member does not hide the others (a bad `arguments` must not lose `_meta`).
struct MessageParams: Decodable, Sendable {
    /// `name` of `tools/call` (and of `prompts/get`, for the `Mcp-Name` check).
    var name: String?
    /// `uri` of `resources/read`, for the `Mcp-Name` check.
    var uri: String?
    /// Tool arguments; empty when absent or null.
    var arguments: [String: Value]
    /// `arguments` was there but not an object.
    var argumentsMalformed: Bool
    var meta: RequestMeta?
    /// `initialize`'s requested version.
    var protocolVersion: String?

    private enum CodingKeys: String, CodingKey {
        case name, uri, arguments, protocolVersion
        case meta = "_meta"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try? container.decode(String.self, forKey: .name)
        uri = try? container.decode(String.self, forKey: .uri)
        meta = try? container.decode(RequestMeta.self, forKey: .meta)
        protocolVersion = try? container.decode(String.self, forKey: .protocolVersion)
        if !container.contains(.arguments) || (try? container.decodeNil(forKey: .arguments)) == true {
            arguments = [:]
            argumentsMalformed = false
        } else if let decoded = try? container.decode([String: PlainJSONValue].self, forKey: .arguments) {
            arguments = decoded.mapValues(\.value)
            argumentsMalformed = false
        } else {
            arguments = [:]
            argumentsMalformed = true
        }
    }
}
