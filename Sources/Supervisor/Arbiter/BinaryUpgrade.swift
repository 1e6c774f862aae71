import Common
import Glibc

/// SIGUSR2: start a new supervisor (a new binary, typically) that inherits the listening
/// sockets. It tells the old one `ready` over a control socket once its workers serve; the
/// old one then hands systemd the new main pid and retires its own workers. If the new one
/// dies or never gets ready, the old one keeps serving. The decisions are in
/// `ArbiterState+BinaryUpgrade`; this is the process side.
enum BinaryUpgrade {
    static let controlVariable = "GATEHOUSE_UPGRADE_CONTROL_FD"
    static let parentVariable = "GATEHOUSE_UPGRADE_PARENT"
    /// How long a new supervisor may take to get ready before the old one gives up on it.
    static let readyTimeout: Duration = .seconds(60)

    /// What an upgrade starts: this program as it was started.
    struct Launch {
        var executable: String
        var arguments: [String]
        var environment: [String: String]
    }

    /// The new supervisor's view of the old one.
    struct Parent {
        var pid: pid_t
        var control: ControlSocket
    }

    /// The new supervisor's pid and the old one's end of the control socket between them.
    static func start(_ launch: Launch, sockets: SocketSet) throws(SystemCallError) -> (pid: pid_t, control: ControlSocket) {
        let handover = sockets.upgradeHandover(firstDescriptor: 3)
        let (parentEnd, childEnd) = try ControlSocket.pair()
        defer { childEnd.close() }
        var descriptors = handover.descriptors
        descriptors[ControlSocket.inheritedDescriptor] = childEnd.fileDescriptor
        // The watchdog belongs to whichever supervisor is main; libsystemd ignores
        // WATCHDOG_USEC when WATCHDOG_PID names another process, so drop the pid.
        var environment = launch.environment.filter { !$0.key.hasPrefix("LISTEN_") && $0.key != "WATCHDOG_PID" }
        environment[SocketSet.upgradeVariable] = handover.description
        environment[controlVariable] = String(ControlSocket.inheritedDescriptor)
        environment[parentVariable] = String(getpid())
        do {
            let pid = try ProcessSpawner().spawn(
                executable: launch.executable, arguments: launch.arguments, environment: environment, descriptors: descriptors)
            return (pid, parentEnd)
        } catch {
            parentEnd.close()
            throw error
        }
    }

    /// The sockets and parent link a new supervisor inherited, if it is one.
    static func inherited(from environment: [String: String]) -> (sockets: SocketSet, parent: Parent)? {
        guard let description = environment[SocketSet.upgradeVariable],
            let sockets = SocketSet(upgradeDescription: description),
            let fd = environment[controlVariable].flatMap(Int32.init),
            let parentPID = environment[parentVariable].flatMap(Int32.init), parentPID == getppid()
        else { return nil }
        return (sockets, Parent(pid: parentPID, control: ControlSocket(fileDescriptor: fd)))
    }
}
