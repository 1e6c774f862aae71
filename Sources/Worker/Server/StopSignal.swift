import Dispatch
import Foundation

/// Turns SIGTERM and SIGINT (Docker and systemd stop with TERM) into a shutdown request.
enum StopSignal {
    /// Keeps the dispatch sources alive for the life of the process.
    static func install(_ trigger: ShutdownTrigger) -> [any DispatchSourceSignal] {
        let queue = DispatchQueue(label: "gatehouse.signals")
        return [(SIGTERM, "TERM"), (SIGINT, "INT")].map { number, name in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { trigger.fire("signal \(name)") }
            source.resume()
            return source
        }
    }
}
