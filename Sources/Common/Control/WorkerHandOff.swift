import Glibc

/// What the supervisor hands a worker it starts, written here once and read back by the
/// worker: the listening sockets placed from fd 3 up and named in the environment, its end of
/// the control socket at a fixed fd, its slot, and the signals it takes itself, which it
/// starts with blocked so that none arriving while it boots is lost or acted on by default.
public enum WorkerHandOff {
    public static let listenDescriptorsVariable = "GATEHOUSE_LISTEN_FDS"
    public static let controlDescriptorVariable = "GATEHOUSE_CONTROL_FD"
    public static let slotVariable = "GATEHOUSE_WORKER_SLOT"
    /// The supervisor's pid: a worker started after it died knows at once.
    public static let supervisorVariable = "GATEHOUSE_SUPERVISOR_PID"
    public static let firstListenDescriptor: Int32 = 3
    public static let controlDescriptor = ControlSocket.inheritedDescriptor

    /// Stop (TERM, INT) and reopen logs (USR1). QUIT and ABRT keep their default action: they
    /// are the supervisor's fast stop and its answer to a worker that stopped heartbeating.
    public static let heldSignals: [Int32] = [SIGTERM, SIGINT, SIGUSR1]

    /// Every variable the hand-off sets, so configuration checks know them as not the operator's.
    public static let variables = [listenDescriptorsVariable, controlDescriptorVariable, slotVariable, supervisorVariable]

    /// The child's fd number -> the supervisor's fd to place there.
    public static func descriptors(listening: [Int32], control: Int32) -> [Int32: Int32] {
        var descriptors = [controlDescriptor: control]
        for (index, fd) in listening.enumerated() { descriptors[firstListenDescriptor + Int32(index)] = fd }
        return descriptors
    }

    /// The variables announcing what `descriptors(listening:control:)` placed.
    public static func environment(listeningCount: Int, slot: Int, supervisor: pid_t = getpid()) -> [String: String] {
        [
            listenDescriptorsVariable: (0..<listeningCount).map { String(firstListenDescriptor + Int32($0)) }.joined(separator: ","),
            controlDescriptorVariable: String(controlDescriptor),
            slotVariable: String(slot),
            supervisorVariable: String(supervisor),
        ]
    }

    /// The supervisor a worker was handed to, when it has one.
    public static func supervisor(in environment: [String: String]) -> pid_t? {
        environment[supervisorVariable].flatMap { pid_t($0) }
    }

    /// The inherited listening sockets, or nil when the worker was not handed any.
    public static func listenDescriptors(in environment: [String: String]) throws(HandOffError) -> [Int32]? {
        guard let raw = environment[listenDescriptorsVariable], !raw.isEmpty else { return nil }
        return try raw.split(separator: ",").map { part throws(HandOffError) in
            let trimmed = part.filter { $0 != " " }
            guard let fd = Int32(trimmed), fd >= firstListenDescriptor else {
                throw HandOffError("\(listenDescriptorsVariable): '\(part)' is not a file descriptor number >= \(firstListenDescriptor)")
            }
            return fd
        }
    }

    /// The worker's end of the control socket, when it runs under a supervisor.
    public static func controlSocket(in environment: [String: String]) -> ControlSocket? {
        environment[controlDescriptorVariable].flatMap(Int32.init).map(ControlSocket.init)
    }
}

public struct HandOffError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
