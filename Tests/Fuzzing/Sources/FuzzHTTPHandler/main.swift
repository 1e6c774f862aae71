// The HTTP layer: the input is raw bytes from a client, written into a connection with the
// worker's real pipeline (NIO's HTTP/1.1 decoder and pipelining, `HTTPConnectionHandler`) and
// the real router over the fixture keys. Seeds carry valid tokens, so mutations reach the
// protected routes too. The input arrives in two reads, then the server starts draining;
// whatever the handler writes is drained and the connection closed.
@testable import FuzzSupport
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import Worker

private let fixture = FixtureApplication()
private let accessLog = AccessLog(logger: fixture.logger)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = UnsafeBufferPointer(start: data, count: size)
    fixture.forgetVerifiedTokens()

    let channel = EmbeddedChannel()
    do {
        // As WorkerServer's child channel initializer builds it.
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(DrainRequestHandler())
        try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: false)
        try pipeline.addHandler(HTTPConnectionHandler(
            responder: fixture.application.router, limits: fixture.application.limits, logger: fixture.logger,
            accessLog: accessLog, accessLogBuffer: AccessLogBuffer(output: fixture.logOutput, eventLoop: channel.embeddedEventLoop)))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 54321)).wait()
    } catch {
        fatalError("fuzz harness: the pipeline cannot be built: \(error)")
    }

    let half = size / 2
    for part in [input[..<half], input[half...]] where channel.isActive {
        // Errors the decoder raises reach the handler, which answers and closes; what is
        // thrown here is only their echo from the pipeline's tail.
        _ = try? channel.writeInbound(ByteBuffer(bytes: part))
        drain(channel)
    }
    if channel.isActive {
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        channel.embeddedEventLoop.run()
        drain(channel)
    }
    _ = try? channel.finish(acceptAlreadyClosed: true)
    return 0
}

/// Reads everything the server wrote so far; nothing is left pending on the loop. A 500 is a
/// route's future failing, which no input should cause.
private func drain(_ channel: EmbeddedChannel) {
    channel.embeddedEventLoop.run()
    while case .byteBuffer(let buffer)? = try? channel.readOutbound(as: IOData.self) {
        let bytes = buffer.readableBytesView
        invariant(!(bytes.starts(with: "HTTP/1.".utf8) && bytes.dropFirst(9).starts(with: "500".utf8)), "the server answered 500")
    }
}
