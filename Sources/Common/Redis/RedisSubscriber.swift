import Foundation

/// A subscription to Redis pub/sub channels that survives Redis going away.
///
/// A subscribed connection can do nothing but receive, so it gets its own connection and its own
/// thread, which blocks waiting for messages and calls `onMessage` for each. When the connection
/// drops (or cannot be made) it reconnects with exponential backoff and subscribes again; messages
/// published meanwhile are lost, as pub/sub does not store them, so users treat a `.recovered`
/// event as "you may have missed something". A connection that goes quiet is checked with a `PING`
/// every `pingInterval`, so a silently dead peer (no FIN, e.g. a network partition) is noticed too.
///
/// Callbacks run on the subscriber's thread, one at a time; they should return quickly.
public final class RedisSubscriber: Sendable {
    /// Connection state transitions, each reported once, so a caller can log one line per outage.
    public enum Event: Sendable, Equatable {
        /// The first subscription is in place.
        case subscribed
        /// The subscription was lost or could not be made; the subscriber keeps retrying.
        case unavailable(RedisError)
        /// Subscribed again after `.unavailable`.
        case recovered
    }

    private let control = SubscriberControl()

    /// Starts the subscriber thread, which connects and subscribes to `channels`.
    public init(
        options: RedisOptions,
        channels: [String],
        pingInterval: Duration = .seconds(5),
        maxBackoff: Duration = .seconds(5),
        onEvent: @escaping @Sendable (Event) -> Void = { _ in },
        onMessage: @escaping @Sendable (_ channel: String, _ message: [UInt8]) -> Void
    ) {
        precondition(!channels.isEmpty, "subscribe to at least one channel")
        let loop = SubscriberLoop(
            options: options, channels: channels, pingInterval: pingInterval, maxBackoff: maxBackoff,
            control: control, onEvent: onEvent, onMessage: onMessage)
        let thread = Thread {
            loop.run()
        }
        thread.name = "redis-subscriber"
        thread.start()
    }

    deinit {
        stop()
    }

    /// Ends the subscription: shuts the socket down (which wakes the blocked read) and waits for the
    /// thread to finish, so no callback runs after `stop()` returns (unless it is called from a
    /// callback). An attempt to connect that is under way finishes first (connect timeout).
    public func stop() {
        control.stop()
    }
}

/// What the subscriber thread and `stop()` share: the stop flag and the socket to shut down.
private final class SubscriberControl: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopping = false
    private var finished = false
    private var descriptor: Int32?
    private var thread: pthread_t?

    var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    func started() {
        condition.lock()
        thread = pthread_self()
        condition.unlock()
    }

    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Publishes the socket of a new connection; false when stopping (then do not use it).
    func adopt(_ fd: Int32) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return false }
        descriptor = fd
        return true
    }

    /// Withdraws the socket before its connection is closed, so `stop()` never shuts down a file
    /// descriptor number that has since been reused for something else.
    func release() {
        condition.lock()
        descriptor = nil
        condition.unlock()
    }

    /// Sleeps for `duration` unless stopped meanwhile.
    func pause(for duration: Duration) {
        let deadline = Date(timeIntervalSinceNow: Double(duration.redisMilliseconds) / 1_000)
        condition.lock()
        defer { condition.unlock() }
        while !stopping && condition.wait(until: deadline) {}
    }

    func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopping = true
        if let descriptor {
            shutdown(descriptor, Int32(SHUT_RDWR))
        }
        condition.broadcast()
        if let thread, pthread_equal(thread, pthread_self()) != 0 { return }  // called from a callback
        while !finished {
            condition.wait()
        }
    }
}

/// The subscriber thread's work: connect, subscribe, listen, and on failure back off and repeat.
private struct SubscriberLoop: Sendable {
    let options: RedisOptions
    let channels: [String]
    let pingInterval: Duration
    let maxBackoff: Duration
    let control: SubscriberControl
    let onEvent: @Sendable (RedisSubscriber.Event) -> Void
    let onMessage: @Sendable (String, [UInt8]) -> Void

    private static let firstBackoff = Duration.milliseconds(100)

    func run() {
        control.started()
        blockBrokenPipeSignal()
        defer { control.finish() }
        var everSubscribed = false
        var unavailable = false
        let firstBackoff = min(Self.firstBackoff, maxBackoff)
        var backoff = firstBackoff
        while !control.isStopping {
            do throws(RedisError) {
                let connection = try RedisConnection(options: options)
                guard let fd = connection.fileDescriptor, control.adopt(fd) else {
                    connection.close()
                    return
                }
                defer {
                    control.release()
                    connection.close()
                }
                try subscribe(connection)
                if unavailable {
                    onEvent(.recovered)
                } else if !everSubscribed {
                    onEvent(.subscribed)
                }
                everSubscribed = true
                unavailable = false
                backoff = firstBackoff
                try listen(connection)
            } catch {
                if control.isStopping { return }
                if !unavailable {
                    unavailable = true
                    onEvent(.unavailable(error))
                }
                // Jitter spreads the reconnects of many workers after a Redis restart.
                control.pause(for: backoff * Double.random(in: 0.5...1.0))
                backoff = min(backoff * 2, maxBackoff)
            }
        }
    }

    /// Sends `SUBSCRIBE` and waits, within the command timeout, until every channel is confirmed.
    private func subscribe(_ connection: RedisConnection) throws(RedisError) {
        try connection.send([Array("SUBSCRIBE".utf8)] + channels.map { Array($0.utf8) })
        let clock = ContinuousClock()
        let deadline = clock.now + options.commandTimeout
        var confirmed = 0
        while confirmed < channels.count {
            guard clock.now < deadline else { throw .timeout }
            switch try connection.nextReply(waitingAtMost: deadline - clock.now) {
            case .array(let parts)? where parts.first == .string(Array("subscribe".utf8)):
                confirmed += 1
            case .error(let message)?:
                throw RedisError.isAuthenticationFailure(message) ? .authenticationFailed : .server(message)
            case let reply?:
                deliver(reply)  // a message on a channel confirmed a moment ago
            case nil:
                break
            }
        }
    }

    /// Delivers messages until the connection fails (it only returns by throwing). Any reply counts
    /// as a sign of life; after `pingInterval` of silence a `PING` must be answered within the
    /// command timeout.
    private func listen(_ connection: RedisConnection) throws(RedisError) {
        let clock = ContinuousClock()
        var lastHeard = clock.now
        var pingSent: ContinuousClock.Instant?
        while true {
            let deadline = pingSent.map { $0 + options.commandTimeout } ?? lastHeard + pingInterval
            if let reply = try connection.nextReply(waitingAtMost: max(.zero, deadline - clock.now)) {
                lastHeard = clock.now
                pingSent = nil
                deliver(reply)
            } else if clock.now >= deadline {
                guard pingSent == nil else { throw .timeout }
                try connection.send([Array("PING".utf8)])
                pingSent = clock.now
            }
        }
    }

    /// Calls `onMessage` for a `message` push; other replies (the `PING` answer) are ignored.
    private func deliver(_ reply: RedisReply) {
        if case .array(let parts) = reply, parts.count == 3, parts[0] == .string(Array("message".utf8)),
            case .string(let channel) = parts[1], case .string(let message) = parts[2]
        {
            onMessage(String(decoding: channel, as: UTF8.self), message)
        }
    }
}
