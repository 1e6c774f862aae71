import Common
import Glibc

/// SIGUSR2: start a new supervisor (a new binary, typically) that inherits the listening
/// sockets. It tells the old one `ready` over a control socket once its workers serve; the
/// old one then hands systemd the new main pid and retires its own workers. If the new one
/// dies or never gets ready, the old one keeps serving.
enum BinaryUpgrade {
    static let controlVariable = "GATEHOUSE_UPGRADE_CONTROL_FD"
    static let parentVariable = "GATEHOUSE_UPGRADE_PARENT"
    /// How long a new supervisor may take to get ready before the old one gives up on it.
    static let readyTimeout: Duration = .seconds(60)

    /// The old supervisor's view of the new one.
    struct Child {
        var pid: pid_t
        var control: ControlSocket
        var startedAt: Duration
    }

    /// The new supervisor's view of the old one.
    struct Parent {
        var pid: pid_t
        var control: ControlSocket
        var toldReady = false
    }

    static func start(
        executable: String, arguments: [String], environment: [String: String], sockets: SocketSet
    ) throws -> Child {
        let handover = sockets.upgradeHandover(firstDescriptor: 3)
        let (parentEnd, childEnd) = try ControlSocket.pair()
        defer { childEnd.close() }
        var descriptors = handover.descriptors
        descriptors[ControlSocket.inheritedDescriptor] = childEnd.fileDescriptor
        // The watchdog belongs to whichever supervisor is main; libsystemd ignores
        // WATCHDOG_USEC when WATCHDOG_PID names another process, so drop the pid.
        var environment = environment.filter { !$0.key.hasPrefix("LISTEN_") && $0.key != "WATCHDOG_PID" }
        environment[SocketSet.upgradeVariable] = handover.description
        environment[controlVariable] = String(ControlSocket.inheritedDescriptor)
        environment[parentVariable] = String(getpid())
        let pid = try ProcessSpawner().spawn(executable: executable, arguments: arguments, environment: environment, descriptors: descriptors)
        return Child(pid: pid, control: parentEnd, startedAt: MonotonicClock.now())
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
