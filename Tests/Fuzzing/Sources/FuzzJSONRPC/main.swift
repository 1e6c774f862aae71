// The JSON-RPC envelope and tool arguments: the input is a request body. It is read as an
// MCP message (`JSONRPCEnvelope.read`) and as a REST argument object (`ToolArguments.decode`);
// the arguments are validated against every tool's schema and the tools whose schema admits
// them run. Then the same body goes through the real router as an authenticated `POST /mcp`
// (with the 2026-07-28 headers mirrored from the body, so that dispatch is reached) and
// `POST /tools/{name}`, rendering included.
import Foundation
@testable import FuzzSupport
import Logging
import MCP
import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import Worker

private let fixture = FixtureApplication()
private let tools = ToolRegistry.standard
private let caller = AccessToken(
    subject: "fuzz-user", clientID: "fuzz-client", scopes: ["mcp:read", "mcp:write", "mcp:infer"],
    expiresAt: 4_102_444_800, keyID: "es256-key")
private let eventLoop = EmbeddedEventLoop()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let body = ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: size))

    let envelope = try? JSONRPCEnvelope.read(body.readableBytesView).get()
    if let params = envelope?.params, !params.argumentsMalformed {
        run(params.arguments)
    }
    if case .success(let arguments) = ToolArguments.decode(body.readableBytesView) {
        run(arguments)
    }

    respond(post("/mcp", body: body, headers: mirroredHeaders(envelope)))
    let name = envelope?.params?.name ?? tools.ordered[size % tools.ordered.count].name
    respond(post("/tools/" + (name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "echo"), body: body, headers: [:]))
    return 0
}

/// Every tool whose schema admits the arguments runs with them, as `ToolInvoker.run` would.
private func run(_ arguments: [String: Value]) {
    let context = ToolCallContext(token: caller, processID: 4242, now: Date(timeIntervalSince1970: Fixture.now))
    for tool in tools.ordered where tool.inputSchema.validate(arguments) == nil {
        guard case .completed = tool.invoke(arguments, context: context) else {
            invariant(false, "\(tool.name) deferred its work without Redis")
            return
        }
    }
}

/// The 2026-07-28 request headers as a conforming client would send them for this body.
private func mirroredHeaders(_ envelope: JSONRPCEnvelope?) -> HTTPHeaders {
    var headers = HTTPHeaders()
    guard let envelope, let version = envelope.meta?.protocolVersion else { return headers }
    headers.add(name: MCPProtocolVersion.headerName, value: version)
    if case .request(_, let method) = envelope.kind {
        headers.add(name: ModernRequestRules.methodHeader, value: method)
        if let name = envelope.params?.name ?? envelope.params?.uri {
            let plain = name.utf8.allSatisfy { (0x20...0x7E).contains($0) }
            headers.add(name: ModernRequestRules.nameHeader, value: plain ? name : "=?base64?" + Data(name.utf8).base64EncodedString() + "?=")
        }
    }
    return headers
}

private func post(_ uri: String, body: ByteBuffer, headers extra: HTTPHeaders) -> Worker.HTTPRequest {
    var headers: HTTPHeaders = [
        "Host": "mcp.fuzz.test", "Authorization": "Bearer " + FixtureJWKS.callerToken,
        "Content-Type": "application/json", "Accept": "application/json, text/event-stream",
    ]
    headers.add(contentsOf: extra)
    let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: uri, headers: headers)
    return Worker.HTTPRequest(head: head, body: body, requestID: "fuzz", remoteAddress: nil)
}

/// Admits the request on its head (authentication and scopes, as the connection handler does),
/// routes it, and checks that the answer came at once and is not a server error.
private func respond(_ request: Worker.HTTPRequest) {
    var answer: Result<Worker.HTTPResponse, any Error>?
    let router = fixture.application.router
    router.admit(request, context: RequestContext(eventLoop: eventLoop, logger: fixture.logger, requestID: request.requestID))
        .resolved(on: eventLoop)
        .flatMap { admission -> EventLoopFuture<Worker.HTTPResponse> in
            switch admission {
            case .proceed(let context): router.respond(to: request, context: context).future(on: eventLoop)
            case .answer(let response): eventLoop.makeSucceededFuture(response)
            case .pending: eventLoop.makeFailedFuture(FuzzAdmissionStillPending())
            }
        }
        .assumeIsolated().whenComplete { answer = $0 }
    eventLoop.run()
    guard case .success(let response) = answer else {
        invariant(false, "\(request.path): no answer on the event loop (\(String(describing: answer)))")
        return
    }
    invariant(response.status.code < 500, "\(request.path) answered \(response.status.code): \(response.body.map { String(buffer: $0) } ?? "")")
}

private struct FuzzAdmissionStillPending: Error {}
