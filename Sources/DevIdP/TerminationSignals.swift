import Dispatch
import Foundation

/// Turns SIGTERM / SIGINT into an awaitable event so the process can close its sockets and exit 0
/// (tests and `docker stop` send TERM; a developer presses Ctrl-C).
final class TerminationSignals {
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<Int32>

    /// Install early: a signal that arrives during key generation is then still a clean stop.
    init() {
        let (stream, continuation) = AsyncStream<Int32>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.stream = stream
        self.sources = [SIGTERM, SIGINT].map { number in
            // The default action would kill the process; the dispatch source sees it instead.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    /// Returns the first termination signal received.
    func wait() async -> Int32 {
        for await number in stream {
            return number
        }
        return SIGTERM
    }

    deinit {
        sources.forEach { $0.cancel() }
    }
}
