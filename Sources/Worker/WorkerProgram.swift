import Common
import Foundation
import Glibc

/// `gatehouse worker`, called by the executable's `main.swift`. A serving worker
/// holds its signals before any thread starts, and `WorkerSignals` takes them on a thread of
/// its own. The command runs as a detached task (off the main actor) while the main thread
/// waits with those signals still held: an async `main` would park it in Dispatch's
/// `sigsuspend` with every signal open, where a TERM takes its default action.
/// `validation-speed`, a benchmark run by hand, keeps Ctrl-C's default.
public enum WorkerProgram {
    /// The first argument that makes `gatehouse` a worker.
    public static let commandName = "worker"

    /// `arguments` are the worker's own, after `gatehouse worker`.
    public static func main(arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> Never {
        if !arguments.contains(ValidationSpeedCommand.configuration.commandName ?? "") {
            WorkerSignals.hold()
        }
        if WorkerHandOff.controlSocket(in: environment) != nil {
            // Under a supervisor: gone the moment it is, even with a stuck event loop that would
            // never notice; what manages the service kills its other processes then anyway
            // (systemd's KillMode=mixed, a container's PID 1).
            guard ParentDeath.signal(SIGKILL, expectedParent: WorkerHandOff.supervisor(in: environment)) else { _exit(0) }
        }
        Task.detached {
            await WorkerCommand.start(arguments: arguments)
            // Drained and logged (log lines are written unbuffered): leave without C libraries'
            // exit handlers, which would tear OpenSSL down under a key fetch still running on
            // the thread pool.
            fflush(nil)
            _exit(0)
        }
        while true { pause() }
    }
}
