import Glibc

/// Monotonic time for timers and timeouts (never the wall clock, which can jump).
public enum MonotonicClock {
    public static func now() -> Duration {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return .seconds(spec.tv_sec) + .nanoseconds(spec.tv_nsec)
    }
}
