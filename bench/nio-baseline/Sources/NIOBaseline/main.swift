import NIOCore
import NIOHTTP1
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Answers every request with the same fixed body: what NIO costs before any Gatehouse logic.
final class FixedResponder: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let body: ByteBuffer

    init(body: ByteBuffer) { self.body = body }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: [
            "Content-Type": "application/json", "Content-Length": String(body.readableBytes),
        ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

// NIOBaseline PORT [BODY_BYTES | @FILE]: a padded JSON body of that size, or the file's bytes
// (the benchmark passes Gatehouse's echo response, so the same checks apply to both). Several
// processes may serve one port (SO_REUSEPORT), as Gatehouse's workers do.
let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8090 : 8090
let bodyArgument = arguments.count > 2 ? arguments[2] : "120"
let body: ByteBuffer
if bodyArgument.hasPrefix("@"), let file = fopen(String(bodyArgument.dropFirst()), "r") {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while case let count = fread(&chunk, 1, chunk.count, file), count > 0 { bytes += chunk[..<count] }
    fclose(file)
    body = ByteBuffer(bytes: bytes)
} else {
    let bodyBytes = Int(bodyArgument) ?? 120
    body = ByteBuffer(string: "{\"pad\":\"" + String(repeating: "x", count: max(0, bodyBytes - 10)) + "\"}")
}
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let channel = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .serverChannelOption(ChannelOptions.socket(SocketOptionLevel(SOL_SOCKET), SO_REUSEPORT), value: 1)
    .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: false)
            try channel.pipeline.syncOperations.addHandler(FixedResponder(body: body))
        }
    }
    .bind(host: "127.0.0.1", port: port).wait()
print("listening on \(port)")
try channel.closeFuture.wait()
