import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One `GET` over plain HTTP with NIO's client codec: all `gatehouse healthcheck` needs. The
/// local server speaks plain HTTP (TLS is the proxy's), so https is refused.
struct ReadinessProbe {
    struct Answer: Sendable {
        var status: Int
        var body: [UInt8]
    }

    enum Failure: Error, CustomStringConvertible {
        case invalidURL
        case notPlainHTTP
        case unreachable(String)
        case timedOut
        case bodyTooLarge
        case closedEarly

        var description: String {
            switch self {
            case .invalidURL: "the URL is not an absolute http:// URL"
            case .notPlainHTTP: "only http:// URLs are checked (the server itself does not speak TLS)"
            case .unreachable(let reason): "could not connect (\(reason))"
            case .timedOut: "no answer in time"
            case .bodyTooLarge: "the answer is too large"
            case .closedEarly: "the connection closed before the answer was complete"
            }
        }
    }

    var timeout: TimeAmount
    var maxBodyBytes = 64 * 1024

    func get(_ url: String) throws -> Answer {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let bracketed = components.host, !bracketed.isEmpty
        else { throw Failure.invalidURL }
        let host = bracketed.hasPrefix("[") && bracketed.hasSuffix("]") ? String(bracketed.dropFirst().dropLast()) : bracketed
        guard scheme == "http" else { throw Failure.notPlainHTTP }
        let port = components.port ?? 80
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        let target = components.percentEncodedQuery.map { "\(path)?\($0)" } ?? path
        let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let answer = group.next().makePromise(of: Answer.self)
        let limit = maxBodyBytes
        let timeout = self.timeout
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        AnswerCollector(answer: answer, maxBodyBytes: limit, timeout: timeout))
                }
            }
        let channel: any Channel
        do {
            channel = try bootstrap.connect(host: host, port: port).wait()
        } catch {
            let failure = Failure.unreachable(Self.reason(error))
            answer.fail(failure)  // Nothing else will complete it.
            throw failure
        }
        defer { channel.close(promise: nil) }
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target, headers: [
            "Host": hostHeader, "Accept": "application/json", "User-Agent": "gatehouse-healthcheck", "Connection": "close",
        ])
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        return try answer.futureResult.wait()
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            return error.connectionErrors.first.map { reason($0.error) } ?? (error.dnsAAAAError ?? error.dnsAError).map(reason)
                ?? "no address"
        case let error as SocketAddressError.UnknownHost:
            return "unknown host \(error.host)"
        case let error as IOError:
            return String(cString: strerror(error.errnoCode)).lowercased()
        case ChannelError.connectTimeout:
            return "connect timed out"
        default:
            return String(describing: error)
        }
    }
}

/// Collects one response and completes the promise once: with the answer, or with why there is none.
private final class AnswerCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let answer: EventLoopPromise<ReadinessProbe.Answer>
    private let maxBodyBytes: Int
    private let timeout: TimeAmount
    private var status = 0
    private var body: [UInt8] = []
    private var completed = false
    private var timer: Scheduled<Void>?

    init(answer: EventLoopPromise<ReadinessProbe.Answer>, maxBodyBytes: Int, timeout: TimeAmount) {
        self.answer = answer
        self.maxBodyBytes = maxBodyBytes
        self.timeout = timeout
    }

    func channelActive(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            let (collector, context) = loopBound.value
            collector.finish(.failure(ReadinessProbe.Failure.timedOut), context: context)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(let buffer):
            guard body.count + buffer.readableBytes <= maxBodyBytes else {
                finish(.failure(ReadinessProbe.Failure.bodyTooLarge), context: context)
                return
            }
            body += buffer.readableBytesView
        case .end:
            finish(.success(ReadinessProbe.Answer(status: status, body: body)), context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(ReadinessProbe.Failure.closedEarly), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(ReadinessProbe.Failure.unreachable(String(describing: error))), context: context)
    }

    private func finish(_ result: Result<ReadinessProbe.Answer, any Error>, context: ChannelHandlerContext) {
        guard !completed else { return }
        completed = true
        timer?.cancel()
        answer.completeWith(result)
        context.close(promise: nil)
    }
}
