/// What a worker tells its supervisor over the control socket. One message per datagram
/// (`SOCK_SEQPACKET`), as a short line of text: `ready`, `heartbeat requests=N connections=N`,
/// `retiring reason=max_requests`; or `metrics` and a newline before the worker's metrics in
/// the Prometheus text format. The supervisor answers with signals, never messages.
public enum ControlMessage: Sendable, Equatable {
    /// Keys are loaded and the listeners are open: the worker can serve.
    case ready
    /// Sent from the worker's event loop, so a stuck loop stops heartbeating.
    case heartbeat(WorkerCounters)
    /// The worker will stop on its own (for example after `max_requests`); replace it.
    case retiring(reason: String)
    /// The worker's metrics, Prometheus text (sent with the heartbeats).
    case metrics([UInt8])

    /// Metrics are a few kilobytes; well under what a datagram on a local socket may carry.
    public static let maximumSize = 64 * 1024
    private static let metricsPrefix = Array("metrics\n".utf8)

    public var encoded: [UInt8] {
        switch self {
        case .ready:
            Array("ready".utf8)
        case .heartbeat(let counters):
            Array("heartbeat requests=\(counters.requests) connections=\(counters.connections)".utf8)
        case .retiring(let reason):
            Array("retiring reason=\(reason)".utf8)
        case .metrics(let text):
            Self.metricsPrefix + text
        }
    }

    public init?(decoding bytes: some Collection<UInt8>) {
        guard bytes.count <= Self.maximumSize else { return nil }
        if bytes.starts(with: Self.metricsPrefix) {
            self = .metrics(Array(bytes.dropFirst(Self.metricsPrefix.count)))
            return
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        let words = text.split(separator: " ")
        guard let kind = words.first else { return nil }
        var fields: [Substring: Substring] = [:]
        for word in words.dropFirst() {
            let pair = word.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            fields[pair[0]] = pair[1]
        }
        switch kind {
        case "ready":
            self = .ready
        case "heartbeat":
            guard let requests = fields["requests"].flatMap({ UInt64($0) }),
                let connections = fields["connections"].flatMap({ Int($0) })
            else { return nil }
            self = .heartbeat(WorkerCounters(requests: requests, connections: connections))
        case "retiring":
            self = .retiring(reason: String(fields["reason"] ?? "unspecified"))
        default:
            return nil
        }
    }
}

/// Counters a worker reports with each heartbeat.
public struct WorkerCounters: Sendable, Equatable {
    public var requests: UInt64
    public var connections: Int

    public init(requests: UInt64, connections: Int) {
        self.requests = requests
        self.connections = connections
    }
}
