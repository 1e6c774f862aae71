import MCP

/// One incoming JSON-RPC message, read in one pass: its kind and the params this server
/// uses (the tool call's name and arguments, `_meta`, `initialize`'s version). Members it does
/// not use are checked and skipped, never built.
struct JSONRPCEnvelope: Sendable {
    enum Kind: Sendable, Equatable {
        case request(ID, method: String)
        case notification(method: String)
        /// A client's answer to a server request.
        case response
        case invalid(String)
    }

    let kind: Kind
    let params: MessageParams?

    /// How `id` was given.
    private enum IDMember {
        case absent, null, valid(ID), invalid
    }

    /// The message in `bytes`, or the JSON-RPC error for a body that is not one.
    static func read(_ bytes: some Collection<UInt8>) -> Result<JSONRPCEnvelope, JSONRPCError> {
        let outcome: Result<JSONRPCEnvelope, JSONReadError>
        do throws(JSONReadError) {
            outcome = .success(try JSONReader.withBuffer(bytes) { buffer throws(JSONReadError) in
                try JSONReader.read(buffer) { reader throws(JSONReadError) in try JSONRPCEnvelope(reading: &reader) }
            })
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success(let envelope): return .success(envelope)
        case .failure(.unexpectedType): return .failure(notAnObject(bytes))
        case .failure: return .failure(.parseError("the body is not valid JSON"))
        }
    }

    /// A document whose top level is not an object: a batch, another JSON value, or no JSON at all.
    private static func notAnObject(_ bytes: some Collection<UInt8>) -> JSONRPCError {
        let kind: JSONReader.Kind? = try? JSONReader.withBuffer(bytes) { buffer throws(JSONReadError) in
            try JSONReader.read(buffer) { reader throws(JSONReadError) in
                let kind = try reader.kind()
                try reader.skipValue()
                return kind
            }
        }
        switch kind {
        case .array?: return .invalidRequest("batch requests are not supported")
        case .some: return .invalidRequest("a JSON-RPC message must be a JSON object")
        case nil: return .parseError("the body is not valid JSON")
        }
    }

    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var version: String?
        var method: String?
        var hasMethod = false, hasAnswer = false
        var id = IDMember.absent
        var params: MessageParams?
        try reader.readObject { reader, name throws(JSONReadError) in
            if name.matches("jsonrpc") {
                version = try reader.readStringIfString()
            } else if name.matches("id") {
                id = try Self.readID(&reader)
            } else if name.matches("method") {
                hasMethod = true
                method = try reader.readStringIfString()
            } else if name.matches("params") {
                params = try reader.kind() == .object ? try MessageParams(reading: &reader) : nil
            } else if name.matches("result") || name.matches("error") {
                hasAnswer = true
            }
        }
        self.params = params
        guard version == "2.0" else {
            kind = .invalid("jsonrpc must be \"2.0\"")
            return
        }
        switch (method, id) {
        case (_, .null):
            kind = .invalid("id must be a string or a number, not null")
        case (_, .invalid):
            kind = .invalid("id must be a string or a number")
        case (let method?, .valid(let id)):
            kind = .request(id, method: method)
        case (let method?, .absent):
            kind = .notification(method: method)
        case (nil, .valid) where hasAnswer:
            kind = .response
        default:
            kind = hasMethod ? .invalid("method must be a string") : .invalid("method is missing")
        }
    }

    var meta: RequestMeta? { params?.meta }

    /// A string, or a number an `Int` holds exactly (the SDKs number their requests).
    private static func readID(_ reader: inout JSONReader) throws(JSONReadError) -> IDMember {
        switch try reader.kind() {
        case .null:
            try reader.readNull()
            return .null
        case .string:
            return .valid(.string(try reader.readString()))
        case .number:
            return (try reader.readNumber().exactInteger()).map { .valid(.number($0)) } ?? .invalid
        default:
            try reader.skipValue()
            return .invalid
        }
    }
}

/// The members of `params` this server reads; each is read on its own, so one malformed
/// member does not hide the others (a bad `arguments` must not lose `_meta`).
struct MessageParams: Sendable {
    /// `name` of `tools/call` (and of `prompts/get`, for the `Mcp-Name` check).
    var name: String?
    /// `uri` of `resources/read`, for the `Mcp-Name` check.
    var uri: String?
    /// Tool arguments; empty when absent or null.
    var arguments: [String: Value] = [:]
    /// `arguments` was there but not an object.
    var argumentsMalformed = false
    var meta: RequestMeta?
    /// `initialize`'s requested version.
    var protocolVersion: String?

    init(name: String? = nil, arguments: [String: Value] = [:]) {
        self.name = name
        self.arguments = arguments
    }

    /// Reads an object (the caller has checked that it is one).
    init(reading reader: inout JSONReader) throws(JSONReadError) {
        var params = MessageParams()
        try reader.readObject { reader, member throws(JSONReadError) in
            if member.matches("name") {
                params.name = try reader.readStringIfString()
            } else if member.matches("uri") {
                params.uri = try reader.readStringIfString()
            } else if member.matches("_meta") {
                params.meta = try reader.kind() == .object ? try RequestMeta(reading: &reader) : nil
            } else if member.matches("protocolVersion") {
                params.protocolVersion = try reader.readStringIfString()
            } else if member.matches("arguments") {
                (params.arguments, params.argumentsMalformed) = try Self.readArguments(&reader)
            }
        }
        self = params
    }

    /// Absent or null: none. An object: its members. Anything else: malformed.
    private static func readArguments(_ reader: inout JSONReader) throws(JSONReadError) -> ([String: Value], malformed: Bool) {
        switch try reader.kind() {
        case .null:
            try reader.readNull()
            return ([:], false)
        case .object:
            var outOfRange = false
            guard case .object(let members) = try reader.readPlainValue(outOfRange: &outOfRange), !outOfRange else { return ([:], true) }
            return (members, false)
        default:
            try reader.skipValue()
            return ([:], true)
        }
    }
}
