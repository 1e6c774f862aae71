import Foundation
import NIOCore

/// Routes that let the supervisor's tests produce a long request and a stuck event loop.
/// Registered only when `GATEHOUSE_TEST_HOOKS=true`, which configuration allows only with
/// `GATEHOUSE_ENV=development`; no request can switch them on.
enum TestHooks {
    static let maximumMilliseconds = 120_000

    static func register(in router: inout Router) {
        // Answers after `ms` milliseconds without blocking the event loop: an in-flight request.
        router.add("/__test/slow", methods: [.GET]) { request, context in
            let milliseconds = duration(request)
            context.logger.info("slow test request started", metadata: ["event": "test.slow_started"])
            return .later { eventLoop in
                eventLoop.scheduleTask(in: .milliseconds(Int64(milliseconds))) {
                    HTTPResponse.json(.ok, Array(#"{"slept_ms":\#(milliseconds)}"#.utf8))
                }.futureResult
            }
        }
        // Blocks the event loop for `ms` milliseconds: heartbeats stop, as with a real hang.
        router.add("/__test/stall", methods: [.GET]) { request in
            usleep(UInt32(duration(request)) * 1000)
            return .json(.ok, Array(#"{"stalled":true}"#.utf8))
        }
    }

    private static func duration(_ request: HTTPRequest) -> Int {
        let value = request.query?.split(separator: "&").first { $0.hasPrefix("ms=") }.flatMap { Int($0.dropFirst(3)) }
        return min(max(value ?? 1000, 0), maximumMilliseconds)
    }
}
