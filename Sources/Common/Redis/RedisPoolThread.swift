import Foundation

/// One of `RedisClient`'s threads: takes jobs from the shared queue and runs them on the connection
/// it owns. hiredis contexts are not thread-safe, so a connection never leaves its thread; and since
/// the calls block, they run here rather than on an event loop or the cooperative pool.
enum RedisPoolThread {
    /// With `connectAtStart`, the thread connects before its first job (which then pays neither
    /// the name lookup nor the handshake); a failure there leaves it to connect on that job.
    static func start(name: String, queue: RedisJobQueue, options: RedisOptions, connectAtStart: Bool) {
        let thread = Thread {
            blockBrokenPipeSignal()
            var connection: RedisConnection? = connectAtStart ? try? RedisConnection(options: options) : nil
            while let job = queue.next() {
                job.continuation.resume(returning: perform(job.arguments, on: &connection, options: options))
            }
            connection?.close()
        }
        thread.name = name
        thread.start()
    }

    /// Runs one command, (re)connecting first when there is no usable connection. Connecting lazily,
    /// on the next call after an error, means a Redis outage costs each call at most one connect
    /// attempt (bounded by the connect timeout) and needs no background reconnect loop.
    static func perform(
        _ arguments: [[UInt8]], on connection: inout RedisConnection?, options: RedisOptions
    ) -> Result<RedisReply, RedisError> {
        if let existing = connection, !existing.isUsable {
            existing.close()
            connection = nil
        }
        do throws(RedisError) {
            let current: RedisConnection
            if let connection {
                current = connection
            } else {
                current = try RedisConnection(options: options)
                connection = current
            }
            let reply = try current.command(arguments)
            return .success(reply)
        } catch {
            if connection?.isBroken == true { connection = nil }
            return .failure(error)
        }
    }
}
