import CHiredis
import Foundation

/// One blocking hiredis connection, authenticated and on the right database.
///
/// Not thread-safe, like the `redisContext` under it: one thread owns a connection for its whole life
/// (`RedisClient` gives each pool thread its own, `RedisSubscriber` has a thread of its own). After
/// any I/O error, timeout or protocol error hiredis leaves the context unusable (half a reply may be
/// in flight), so the connection frees it at once and stays `isBroken`; its owner opens a new one.
public final class RedisConnection {
    public let options: RedisOptions
    /// True once an error killed the context; every later call throws. Never reset: reconnect.
    public private(set) var isBroken = false
    private var context: UnsafeMutablePointer<redisContext>?

    /// Connects within `connectTimeout`, applies `commandTimeout` to every send and receive, then
    /// authenticates (`AUTH [user] password`) and selects the database, so a wrong password or a
    /// missing database surfaces here rather than on some later command.
    public init(options: RedisOptions) throws(RedisError) {
        self.options = options
        let url = options.url
        guard let context = redisConnectWithTimeout(url.host, Int32(url.port), options.connectTimeout.redisTimeval) else {
            throw .connectionFailed("cannot allocate a hiredis context")
        }
        self.context = context
        // A failed connect still returns a context, carrying the error. Whatever went wrong (the
        // connect timeout included) is a connection failure, whatever errno says: pass none.
        if context.pointee.err != 0 {
            throw fail(errno: 0)
        }
        guard redisSetTimeout(context, options.commandTimeout.redisTimeval) == REDIS_OK else {
            throw fail(errno: errno)
        }
        do {
            try handshake()
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
    }

    /// Frees the context and closes its socket. Later calls throw `.closed`.
    public func close() {
        if let context {
            redisFree(context)
            self.context = nil
        }
    }

    /// Sends one command and waits for its reply. A server error reply is returned as `.error`, not
    /// thrown: the command reached the server and the connection is still fine.
    public func command(_ arguments: [String]) throws(RedisError) -> RedisReply {
        try command(arguments.map { Array($0.utf8) })
    }

    /// Binary-safe: each argument goes to the server as-is, NUL bytes included (`redisCommandArgv`
    /// takes explicit lengths; the variadic, format-string `redisCommand` is not callable from Swift
    /// anyway).
    public func command(_ arguments: [[UInt8]]) throws(RedisError) -> RedisReply {
        let context = try usableContext()
        guard !arguments.isEmpty else { throw .protocolError("empty command") }
        let raw = Self.withArgv(arguments) { count, argv, lengths in
            redisCommandArgv(context, count, argv, lengths)
        }
        guard let raw else { throw fail(errno: errno) }
        defer { freeReplyObject(raw) }
        return try Self.convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Whether the connection can take a command: still open, and the server has not closed it
    /// while it sat idle. Nothing is pending between commands, so a readable socket means EOF (a
    /// server restart, `timeout`, `CLIENT KILL`) or garbage; checking this (one non-blocking poll)
    /// before reuse means a command is not sent into a socket known to be dead, which would fail it
    /// for no reason (and a retry could not tell whether it ran).
    public var isUsable: Bool {
        guard let context, !isBroken else { return false }
        var descriptor = pollfd(fd: gh_redis_fd(context), events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 0
    }

    // MARK: - For subscriptions

    /// The socket, so another thread can `shutdown(2)` it to interrupt a blocked read (the owner
    /// must make sure the connection is not closed concurrently).
    var fileDescriptor: Int32? {
        context.map { gh_redis_fd($0) }
    }

    /// Queues and flushes a command without waiting for a reply (`SUBSCRIBE`, `PING` in subscribed
    /// mode, where replies are pushed rather than answered one by one).
    func send(_ arguments: [[UInt8]]) throws(RedisError) {
        let context = try usableContext()
        let appended = Self.withArgv(arguments) { count, argv, lengths in
            redisAppendCommandArgv(context, count, argv, lengths)
        }
        guard appended == REDIS_OK else { throw fail(errno: errno) }
        var done: Int32 = 0
        while done == 0 {
            guard redisBufferWrite(context, &done) == REDIS_OK else { throw fail(errno: errno) }
        }
    }

    /// The next reply, waiting at most `timeout` for data; nil when none (or only part of one)
    /// arrived in that time, which leaves the connection usable (unlike hiredis' own blocking read,
    /// whose timeout kills the context).
    func nextReply(waitingAtMost timeout: Duration) throws(RedisError) -> RedisReply? {
        let context = try usableContext()
        // One read can bring several replies; hand out the buffered ones before polling.
        if let reply = try bufferedReply(context) { return reply }
        var descriptor = pollfd(fd: gh_redis_fd(context), events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(clamping: max(0, timeout.redisMilliseconds)))
        if ready == 0 || (ready < 0 && errno == EINTR) { return nil }
        guard ready > 0, redisBufferRead(context) == REDIS_OK else { throw fail(errno: errno) }
        return try bufferedReply(context)
    }

    private func bufferedReply(_ context: UnsafeMutablePointer<redisContext>) throws(RedisError) -> RedisReply? {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReplyFromReader(context, &raw) == REDIS_OK else { throw fail(errno: errno) }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return try Self.convert(raw.assumingMemoryBound(to: redisReply.self))
    }

    // MARK: - Internals

    private func handshake() throws(RedisError) {
        let url = options.url
        if let password = url.password {
            // Any error reply to AUTH is a refusal: WRONGPASS, "no password is set", or a server too
            // old for a user name.
            guard case .status = try command(["AUTH"] + (url.username.map { [$0] } ?? []) + [password]) else {
                throw .authenticationFailed
            }
        }
        // SELECT, or else a PING, also finds out early that the server wants a password we lack.
        let check = url.database != 0 ? ["SELECT", String(url.database)] : ["PING"]
        if case .error(let message) = try command(check) {
            throw RedisError.isAuthenticationFailure(message) ? .authenticationFailed : .server(message)
        }
    }

    private func usableContext() throws(RedisError) -> UnsafeMutablePointer<redisContext> {
        guard let context else {
            throw isBroken ? .connectionFailed("the connection broke earlier; open a new one") : .closed
        }
        return context
    }

    /// Turns the context's error into a `RedisError` and frees the now useless context. `code` is
    /// errno as it was right after the failing call, which is how hiredis 0.14 reports a timeout
    /// (an I/O error with EAGAIN); hiredis 1.1+ has its own error code for it.
    private func fail(errno code: Int32) -> RedisError {
        guard let context else { return .closed }
        let kind = context.pointee.err
        let message = String(cString: gh_redis_errstr(context))
        isBroken = true
        close()
        switch kind {
        case REDIS_ERR_IO where code == EAGAIN || code == EWOULDBLOCK:
            return .timeout
        case gh_redis_err_timeout():
            return .timeout
        case REDIS_ERR_EOF:
            return .connectionFailed("connection closed by the server")
        case REDIS_ERR_PROTOCOL:
            return .protocolError(message)
        default:
            return .connectionFailed(message.isEmpty ? "hiredis error \(kind)" : message)
        }
    }

    /// Calls `body` with hiredis' argv form: a count, pointers, and lengths (so NULs are data).
    private static func withArgv<Result>(
        _ arguments: [[UInt8]],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> Result
    ) -> Result {
        var storage: [UInt8] = []
        storage.reserveCapacity(arguments.reduce(1) { $0 + $1.count })
        var offsets: [Int] = []
        var lengths: [Int] = []
        for argument in arguments {
            offsets.append(storage.count)
            lengths.append(argument.count)
            storage += argument
        }
        storage.append(0)  // never empty, so there is always a base address
        return storage.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { characters in
                var pointers: [UnsafePointer<CChar>?] = offsets.map { characters.baseAddress! + $0 }
                return pointers.withUnsafeMutableBufferPointer { argv in
                    lengths.withUnsafeBufferPointer { lengthBuffer in
                        body(Int32(arguments.count), argv.baseAddress!, lengthBuffer.baseAddress!)
                    }
                }
            }
        }
    }

    /// Copies hiredis' reply tree into Swift values.
    private static func convert(_ reply: UnsafePointer<redisReply>) throws(RedisError) -> RedisReply {
        let reply = reply.pointee
        func bytes() -> [UInt8] {
            Array(UnsafeRawBufferPointer(start: reply.str, count: Int(reply.len)))
        }
        switch reply.type {
        case REDIS_REPLY_STRING:
            return .string(bytes())
        case REDIS_REPLY_INTEGER:
            return .integer(Int(reply.integer))
        case REDIS_REPLY_NIL:
            return .null
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(Int(reply.elements))
            for index in 0..<Int(reply.elements) {
                guard let element = reply.element[index] else { throw .protocolError("array with a missing element") }
                elements.append(try convert(element))
            }
            return .array(elements)
        default:
            // RESP3 types (hiredis 1.x) never come back, as the connection never sends HELLO 3.
            throw .protocolError("unsupported reply type \(reply.type)")
        }
    }
}

/// Blocks SIGPIPE on the calling thread. hiredis writes with write(2), which raises SIGPIPE (and by
/// default kills the process) on a socket the server has closed; with the signal blocked write
/// fails with EPIPE instead, which the connection reports as a broken connection. Per thread, so the
/// process's signal handling stays the embedder's business. For threads that run hiredis calls.
func blockBrokenPipeSignal() {
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGPIPE)
    pthread_sigmask(SIG_BLOCK, &signals, nil)
}
