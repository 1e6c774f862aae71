import CSystemd
import Glibc

/// Socket activation: systemd binds the sockets (`gatehouse.socket`) and passes them from fd 3 on,
/// announced by `LISTEN_FDS` and `LISTEN_PID` (and optionally `LISTEN_FDNAMES`).
extension SystemdNotifier {
    /// A socket systemd handed over, with its `FileDescriptorName=` (libsystemd reports "unknown"
    /// when the unit names none).
    public struct ActivatedSocket: Sendable, Equatable {
        public let fileDescriptor: Int32
        public let name: String

        public init(fileDescriptor: Int32, name: String) {
            self.fileDescriptor = fileDescriptor
            self.name = name
        }
    }

    /// The first fd systemd passes (SD_LISTEN_FDS_START).
    public static let firstListenFileDescriptor = Int32(SD_LISTEN_FDS_START)

    /// The sockets systemd passed to this process, or none when `LISTEN_PID` is not our pid (the
    /// variables were inherited, not meant for us) or the variables are missing or invalid.
    /// Passed fds that are not sockets are left out (and left open).
    ///
    /// libsystemd marks every passed fd close-on-exec; hand them to workers with dup2.
    /// `unsetEnvironment: true` calls `unsetenv`, which is only safe while the process is still
    /// single-threaded.
    public static func listenFileDescriptors(unsetEnvironment: Bool) -> [Int32] {
        let count = sd_listen_fds(unsetEnvironment ? 1 : 0)
        guard count > 0 else { return [] }
        return (firstListenFileDescriptor..<firstListenFileDescriptor + count).filter(isSocket)
    }

    /// `listenFileDescriptors` with the names from `LISTEN_FDNAMES`, so a unit with several
    /// sockets can say which is which.
    public static func activatedSockets(unsetEnvironment: Bool) -> [ActivatedSocket] {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        let count = sd_listen_fds_with_names(unsetEnvironment ? 1 : 0, &names)
        defer {
            if let names {
                var index = 0
                while let name = names[index] {
                    free(name)
                    index += 1
                }
                free(names)
            }
        }
        guard count > 0 else { return [] }
        return (0..<Int(count)).compactMap { index in
            let fd = firstListenFileDescriptor + Int32(index)
            guard isSocket(fd) else { return nil }
            let name = names?[index].map { String(cString: $0) } ?? "unknown"
            return ActivatedSocket(fileDescriptor: fd, name: name)
        }
    }

    private static func isSocket(_ fd: Int32) -> Bool {
        sd_is_socket(fd, AF_UNSPEC, 0, -1) > 0
    }
}
