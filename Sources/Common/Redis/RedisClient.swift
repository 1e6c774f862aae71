/// A Redis client for async code: commands run on a small pool of threads, each with its own
/// hiredis connection, so blocking socket calls never run on an event loop or Swift's cooperative
/// threads.
///
/// Failures are per call and never fatal: after an error the thread's connection is dropped and
/// the next call on that thread reconnects, so a Redis restart or outage heals without recreating
/// the client. While Redis is down a call fails within the connect timeout. Cancelling the calling
/// task does not interrupt a command already sent; the command timeout bounds it.
public final class RedisClient: Sendable {
    public let options: RedisOptions
    private let queue = RedisJobQueue()

    /// Starts `connections` threads; each connects on its first call, or at once with
    /// `connectAtStart` (for calls a client waits on, such as tools: the first one then costs no
    /// name lookup or handshake, and a resolver that is slow later does not reach it).
    public init(options: RedisOptions, connections: Int = 2, connectAtStart: Bool = false) {
        precondition(connections > 0, "a Redis client needs at least one connection")
        self.options = options
        for index in 1...connections {
            RedisPoolThread.start(name: "redis-\(index)", queue: queue, options: options, connectAtStart: connectAtStart)
        }
    }

    deinit {
        shutdown()
    }

    /// Fails queued calls with `.closed` and ends the threads (after the command each may be
    /// running). Later calls fail with `.closed`.
    public func shutdown() {
        for job in queue.close() {
            job.continuation.resume(returning: .failure(.closed))
        }
    }

    /// Runs one command. A server error reply is returned as `.error`; see `RedisConnection`.
    public func command(_ arguments: [String]) async throws(RedisError) -> RedisReply {
        try await command(arguments.map { Array($0.utf8) })
    }

    /// Binary-safe form: arguments are sent byte for byte.
    public func command(_ arguments: [[UInt8]]) async throws(RedisError) -> RedisReply {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<RedisReply, RedisError>, Never>) in
            if !queue.enqueue(RedisJob(arguments: arguments, continuation: continuation)) {
                continuation.resume(returning: .failure(.closed))
            }
        }
        return try result.get()
    }

    // MARK: - Conveniences

    /// The value, or nil when the key does not exist.
    public func get(_ key: String) async throws(RedisError) -> [UInt8]? {
        switch try await command(["GET", key]) {
        case .string(let value): return value
        case .null: return nil
        case let other: throw Self.unexpected(other, for: "GET")
        }
    }

    /// `SET key value [PX ms] [NX]`. Returns whether the value was stored: false only with `nx` when
    /// the key already exists, which is how `SET NX PX` serves as a lock with a lease.
    @discardableResult
    public func set(_ key: String, _ value: [UInt8], px: Duration? = nil, nx: Bool = false) async throws(RedisError) -> Bool {
        var arguments = [Array("SET".utf8), Array(key.utf8), value]
        if let px {
            // PX 0 is an error in Redis; a sub-millisecond lease rounds up.
            arguments += [Array("PX".utf8), Array(String(max(1, px.redisMilliseconds)).utf8)]
        }
        if nx { arguments.append(Array("NX".utf8)) }
        switch try await command(arguments) {
        case .status("OK"): return true
        case .null: return false
        case let other: throw Self.unexpected(other, for: "SET")
        }
    }

    @discardableResult
    public func set(_ key: String, _ value: String, px: Duration? = nil, nx: Bool = false) async throws(RedisError) -> Bool {
        try await set(key, Array(value.utf8), px: px, nx: nx)
    }

    /// Deletes keys; returns how many existed.
    @discardableResult
    public func del(_ keys: String...) async throws(RedisError) -> Int {
        try await integer(["DEL"] + keys)
    }

    /// Publishes a message; returns how many subscribers received it (on this server).
    @discardableResult
    public func publish(_ channel: String, _ message: [UInt8]) async throws(RedisError) -> Int {
        try await integer([Array("PUBLISH".utf8), Array(channel.utf8), message])
    }

    @discardableResult
    public func publish(_ channel: String, _ message: String) async throws(RedisError) -> Int {
        try await publish(channel, Array(message.utf8))
    }

    private func integer(_ arguments: [String]) async throws(RedisError) -> Int {
        try await integer(arguments.map { Array($0.utf8) })
    }

    private func integer(_ arguments: [[UInt8]]) async throws(RedisError) -> Int {
        let reply = try await command(arguments)
        guard case .integer(let value) = reply else {
            throw Self.unexpected(reply, for: String(decoding: arguments[0], as: UTF8.self))
        }
        return value
    }

    /// The error for a reply a convenience call cannot use. Never quotes a value: it may be a secret.
    private static func unexpected(_ reply: RedisReply, for command: String) -> RedisError {
        switch reply {
        case .error(let message):
            RedisError.isAuthenticationFailure(message) ? .authenticationFailed : .server(message)
        case .string: .protocolError("unexpected bulk string reply to \(command)")
        case .integer: .protocolError("unexpected integer reply to \(command)")
        case .array: .protocolError("unexpected array reply to \(command)")
        case .null: .protocolError("unexpected null reply to \(command)")
        case .status: .protocolError("unexpected status reply to \(command)")
        }
    }
}
