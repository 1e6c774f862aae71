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
        try pipeline.configureHTTPServerPipeline(
            withPipeliningAssistance: true, withErrorHandling: false, withOutboundHeaderValidation: false)
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
        guard bytes.starts(with: "HTTP/1.".utf8) else { continue }
        invariant(!bytes.dropFirst(9).starts(with: "500".utf8), "the server answered 500")
        checkHeaderLines(Array(bytes))
    }
}

/// Every header the worker answers with. A value that smuggled a CR LF would show as a line
/// naming something else.
private let responseHeaderNames: Set<String> = [
    "access-control-allow-headers", "access-control-allow-methods", "access-control-allow-origin",
    "access-control-expose-headers", "access-control-max-age", "allow", "cache-control", "connection",
    "content-length", "content-type", "retry-after", "transfer-encoding", "vary", "www-authenticate",
    "x-content-type-options", "x-request-id",
]

/// The worker writes its headers unvalidated (no per-write check, as Hummingbird): whatever the
/// input, every line of a response head is one `name: value` the worker sends, with no CR, LF or
/// NUL inside it.
private func checkHeaderLines(_ head: [UInt8]) {
    var lines: [ArraySlice<UInt8>] = []
    var start = head.startIndex
    var index = head.startIndex
    while index + 1 < head.endIndex {
        if head[index] == UInt8(ascii: "\r") && head[index + 1] == UInt8(ascii: "\n") {
            if index == start { break }  // The empty line: the head ends.
            lines.append(head[start..<index])
            index += 2
            start = index
        } else {
            index += 1
        }
    }
    for line in lines.dropFirst() {
        invariant(!line.contains(where: { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") || $0 == 0 }),
                  "a response header line holds CR, LF or NUL")
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            invariant(false, "a response header line without a name")
            return
        }
        let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
        invariant(responseHeaderNames.contains(name), "a response header line names '\(name)', which the worker never sends")
    }
}
