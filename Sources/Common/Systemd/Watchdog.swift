import CSystemd

/// The service watchdog systemd arms with `WatchdogSec=`: if no `WATCHDOG=1` arrives within
/// `interval`, systemd treats the service as hung and acts on it.
public struct WatchdogSettings: Sendable, Equatable {
    public let intervalMicroseconds: UInt64

    public init(intervalMicroseconds: UInt64) {
        self.intervalMicroseconds = intervalMicroseconds
    }

    /// The deadline systemd enforces between pings.
    public var interval: Duration { .microseconds(Int64(clamping: intervalMicroseconds)) }

    /// How often to ping: half the interval, as systemd recommends, so one late poll-loop turn
    /// does not trip it.
    public var pingInterval: Duration { interval / 2 }

    /// Reads `WATCHDOG_USEC` through `sd_watchdog_enabled`, without unsetting it. Nil when the
    /// watchdog is off, when `WATCHDOG_USEC` is invalid, or when `WATCHDOG_PID` names another
    /// process: libsystemd compares it with getpid(), so call this in the process systemd started
    /// (the supervisor), never in a worker.
    public static func current() -> WatchdogSettings? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return WatchdogSettings(intervalMicroseconds: microseconds)
    }
}
