import Glibc

/// `poll(2)` over a set of descriptors: the supervisor's only way of waiting.
public enum Poller {
    /// Waits until one of `descriptors` is readable (or hung up) or `timeoutMilliseconds`
    /// pass; returns the readable ones. EINTR counts as a timeout.
    public static func wait(for descriptors: [Int32], timeoutMilliseconds: Int32) -> Set<Int32> {
        var entries = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let count = poll(&entries, nfds_t(entries.count), timeoutMilliseconds)
        guard count > 0 else { return [] }
        return Set(entries.filter { $0.revents != 0 }.map(\.fd))
    }
}
