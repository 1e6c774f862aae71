import Common
import Dispatch
import Foundation
import Logging

/// SIGUSR1 (forwarded by the supervisor): reopen the log file after rotation.
enum LogReopenSignal {
    static func install(_ output: LogOutput, logger: Logger) -> any DispatchSourceSignal {
        signal(SIGUSR1, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: DispatchQueue(label: "gatehouse.logs"))
        source.setEventHandler {
            do {
                try output.reopen()
                logger.info("log file reopened", metadata: ["event": "logs.reopened"])
            } catch {
                FileHandle.standardError.write(Data("gatehouse-worker: cannot reopen the log file: \(error)\n".utf8))
            }
        }
        source.resume()
        return source
    }
}
