import Dispatch
import Foundation

/// Waits for SIGTERM or SIGINT (Docker and systemd stop with TERM).
enum StopSignal {
    static func wait() async -> String {
        await withCheckedContinuation { continuation in
            let queue = DispatchQueue(label: "gatehouse.signals")
            let fired = SignalOnce(continuation)
            for (number, name) in [(SIGTERM, "TERM"), (SIGINT, "INT")] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler { fired.fire(name) }
                source.resume()
                fired.retain(source)
            }
        }
    }
}

/// Resumes the continuation for the first signal only and keeps the sources alive.
private final class SignalOnce: @unchecked Sendable {
    private var continuation: CheckedContinuation<String, Never>?
    private var sources: [any DispatchSourceSignal] = []
    private let lock = NSLock()

    init(_ continuation: CheckedContinuation<String, Never>) {
        self.continuation = continuation
    }

    func retain(_ source: any DispatchSourceSignal) {
        lock.withLock { sources.append(source) }
    }

    func fire(_ name: String) {
        let pending = lock.withLock { () -> CheckedContinuation<String, Never>? in
            defer { continuation = nil }
            return continuation
        }
        pending?.resume(returning: name)
    }
}
