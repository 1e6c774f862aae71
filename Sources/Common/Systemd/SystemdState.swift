/// One assignment in an `sd_notify` message. Several states go out together in one datagram, so
/// systemd sees them at once (for example `STATUS=` alongside `READY=1`).
public enum SystemdState: Sendable, Equatable {
    /// `READY=1`: startup finished, or a reload finished (after `reloading`).
    case ready
    /// `RELOADING=1` + `MONOTONIC_USEC=`: `Type=notify-reload` rejects a `RELOADING=1` that does
    /// not carry the CLOCK_MONOTONIC time the reload started, so the two are one case.
    case reloading(monotonicMicroseconds: UInt64)
    /// `STOPPING=1`: graceful shutdown has begun.
    case stopping
    /// `STATUS=`: one free-text line for `systemctl status`.
    case status(String)
    /// `WATCHDOG=1`: keep-alive ping; send it at half of `WatchdogSettings.interval`.
    case watchdog
    /// `MAINPID=`: the pid systemd should treat as the service's main process.
    case mainPID(Int32)
    /// `EXTEND_TIMEOUT_USEC=`: ask for more time for the current start, reload or stop phase.
    case extendTimeout(microseconds: UInt64)

    /// `.reloading` stamped with the current CLOCK_MONOTONIC time.
    public static var reloadingNow: SystemdState {
        .reloading(monotonicMicroseconds: SystemdNotifier.monotonicMicroseconds())
    }

    /// The `KEY=value` lines this state contributes to a message.
    var assignments: [String] {
        switch self {
        case .ready: ["READY=1"]
        case .reloading(let microseconds): ["RELOADING=1", "MONOTONIC_USEC=\(microseconds)"]
        case .stopping: ["STOPPING=1"]
        case .status(let text): ["STATUS=\(Self.singleLine(text))"]
        case .watchdog: ["WATCHDOG=1"]
        case .mainPID(let pid): ["MAINPID=\(pid)"]
        case .extendTimeout(let microseconds): ["EXTEND_TIMEOUT_USEC=\(microseconds)"]
        }
    }

    /// The message is newline-separated assignments handed over as a C string, so a line break
    /// in a status would start a new (forged) assignment and a NUL would cut the message short.
    static func singleLine(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n", "\r": scalars.append(" ")
            case "\0": continue
            default: scalars.append(scalar)
            }
        }
        return String(scalars)
    }
}
