import Glibc

/// What became of one `SystemdNotifier.notify` call. Notification is best effort (systemd may not
/// be listening at all), so callers log a failure rather than stop.
public enum SystemdNotifyOutcome: Sendable, Equatable, CustomStringConvertible {
    /// The datagram was sent to `NOTIFY_SOCKET`.
    case sent
    /// Nothing to do: no `NOTIFY_SOCKET`, or no states given.
    case disabled
    /// `sd_notify` failed with this errno (for example ECONNREFUSED if the socket went away).
    case failed(errno: Int32)

    public var description: String {
        switch self {
        case .sent: "sent"
        case .disabled: "disabled"
        case .failed(let code): "failed: \(String(cString: strerror(code)))"
        }
    }
}
