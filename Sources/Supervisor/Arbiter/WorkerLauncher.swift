import Common
import Glibc

/// Starts `gatehouse worker` (this program, by path) for a slot, handing it what `WorkerHandOff` describes: the slot's
/// sockets, its end of a control socket, and the signals it takes itself held.
struct WorkerLauncher {
    let executable: String
    /// The supervisor's environment without what belongs to it alone (see `ServeCommand`).
    let environment: [String: String]

    /// The worker's pid and the supervisor's end of its control socket.
    func spawn(slot: Int, sockets: inout SocketSet) throws(SystemCallError) -> (pid: pid_t, control: ControlSocket) {
        let listening = try sockets.sockets(for: slot)
        let (supervisorEnd, workerEnd) = try ControlSocket.pair()
        defer { workerEnd.close() }
        do {
            let pid = try ProcessSpawner().spawn(
                executable: executable, arguments: ["worker"],
                environment: environment.merging(WorkerHandOff.environment(listeningCount: listening.count, slot: slot)) { _, new in new },
                descriptors: WorkerHandOff.descriptors(listening: listening.map(\.fileDescriptor), control: workerEnd.fileDescriptor),
                heldSignals: WorkerHandOff.heldSignals)
            return (pid, supervisorEnd)
        } catch {
            supervisorEnd.close()
            throw error
        }
    }
}
