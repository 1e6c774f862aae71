import CSystemd
import Glibc

/// Tells systemd about the service's life cycle through `sd_notify`. Only the supervisor talks to
/// systemd: workers never see `NOTIFY_SOCKET`.
///
/// libsystemd reads `NOTIFY_SOCKET` from the process environment itself; the environment given
/// here only decides `isEnabled`, so a notifier built without `NOTIFY_SOCKET` never sends.
/// The environment is never unset (`unset_environment` is 0): the supervisor sends many messages
/// over its life, and `unsetenv` is not safe once threads exist.
public struct SystemdNotifier: Sendable {
    /// `NOTIFY_SOCKET` is present (systemd started us as `Type=notify` or `notify-reload`).
    public let isEnabled: Bool

    public init(environment: [String: String]) {
        isEnabled = !(environment["NOTIFY_SOCKET"] ?? "").isEmpty
    }

    /// Sends the states as one datagram, so systemd applies them together.
    @discardableResult
    public func notify(_ states: [SystemdState]) -> SystemdNotifyOutcome {
        guard isEnabled, !states.isEmpty else { return .disabled }
        let result = Self.message(for: states).withCString { sd_notify(0, $0) }
        if result > 0 { return .sent }
        if result == 0 { return .disabled }
        return .failed(errno: -result)
    }

    @discardableResult
    public func notify(_ states: SystemdState...) -> SystemdNotifyOutcome {
        notify(states)
    }

    /// The exact text `notify` sends (`sd_notifyf` is variadic and cannot be called from Swift,
    /// so formatting happens here).
    public static func message(for states: [SystemdState]) -> String {
        states.flatMap(\.assignments).joined(separator: "\n")
    }

    /// CLOCK_MONOTONIC in microseconds: the clock systemd compares `MONOTONIC_USEC` against.
    public static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
