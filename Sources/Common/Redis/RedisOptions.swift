import Foundation

/// What every Redis connection needs: where to connect and how long to wait.
public struct RedisOptions: Sendable, Equatable {
    public var url: RedisURL
    /// Bounds the TCP connect (and so how fast a call fails while Redis is down). Name resolution is
    /// not covered: `getaddrinfo` has no timeout, so prefer an address or a local resolver.
    public var connectTimeout: Duration
    /// Bounds each send and each wait for a reply. A command that runs longer (a blocking `BLPOP`)
    /// fails with `.timeout`.
    public var commandTimeout: Duration

    public init(url: RedisURL, connectTimeout: Duration = .seconds(1), commandTimeout: Duration = .seconds(1)) {
        self.url = url
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }
}

extension Duration {
    /// As a `timeval` for hiredis; at least 1 ms, since a zero timeval means "wait forever" there.
    var redisTimeval: timeval {
        let microseconds = max(1_000, redisMilliseconds * 1_000)
        return timeval(tv_sec: microseconds / 1_000_000, tv_usec: microseconds % 1_000_000)
    }

    /// Whole milliseconds, rounded down (for `PX` and `poll`).
    public var redisMilliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1_000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
