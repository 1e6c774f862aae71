import Foundation

/// A command waiting for a pool thread, and the caller waiting for its result.
struct RedisJob: Sendable {
    let arguments: [[UInt8]]
    let continuation: CheckedContinuation<Result<RedisReply, RedisError>, Never>
}

/// The FIFO between async callers and `RedisClient`'s pool threads. Whichever thread is idle takes
/// the next job, so one slow command does not hold up the others queued behind it.
final class RedisJobQueue: @unchecked Sendable {
    // NSCondition rather than Mutex: the pool threads block on it while the queue is empty.
    private let condition = NSCondition()
    private var jobs: [RedisJob] = []
    private var head = 0
    private var isClosed = false

    /// False once the queue is closed; the caller then answers the job itself.
    func enqueue(_ job: RedisJob) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !isClosed else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Blocks until there is a job; nil once the queue is closed (the thread then ends).
    func next() -> RedisJob? {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count && !isClosed {
            condition.wait()
        }
        guard !isClosed else { return nil }
        let job = jobs[head]
        head += 1
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        }
        return job
    }

    /// Closes the queue and returns the jobs no thread has started.
    func close() -> [RedisJob] {
        condition.lock()
        defer { condition.unlock() }
        isClosed = true
        let pending = Array(jobs[head...])
        jobs.removeAll()
        head = 0
        condition.broadcast()
        return pending
    }
}
