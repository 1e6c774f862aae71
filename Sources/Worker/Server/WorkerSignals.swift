import Common
import Foundation
import Logging

/// The signals a worker takes itself (`WorkerHandOff.heldSignals`), read on a thread of their
/// own: TERM and INT stop it, USR1 reopens its log file. Under a supervisor they are blocked
/// from the worker's first instruction, so a stop sent while it boots waits for it here.
enum WorkerSignals {
    /// First thing in `main`, before any thread starts: a worker run on its own holds them from here.
    static func hold() {
        SignalMask.hold(WorkerHandOff.heldSignals)
    }

    static func start(trigger: ShutdownTrigger, logOutput: LogOutput, logger: Logger) {
        SignalWaiter.start(WorkerHandOff.heldSignals) { signal in
            guard signal == SIGUSR1 else {
                trigger.fire("signal \(SignalName.of(signal))")
                return
            }
            do {
                try logOutput.reopen()
                logger.info("log file reopened", metadata: ["event": "logs.reopened"])
            } catch {
                FileHandle.standardError.write(Data("gatehouse worker: cannot reopen the log file: \(error)\n".utf8))
            }
        }
    }
}
