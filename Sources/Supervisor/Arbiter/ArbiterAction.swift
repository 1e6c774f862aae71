import Common
import Glibc
import Logging

/// What `ArbiterState` asks the loop to do; every system call the supervisor makes comes from
/// one of these.
enum ArbiterAction: Equatable {
    /// Start a worker for the slot; the outcome comes back as `spawned` or `spawnFailed`.
    case spawn(slot: Int, generation: Int)
    case signal(pid_t, Int32)
    /// The slot's own listening sockets: no worker uses them any more (after TTOU).
    case closeSockets(slot: Int)
    case notify([SystemdState])
    /// The status for `gatehouse status` and the metrics (written with a pidfile, observed
    /// with metrics on).
    case writeStatus(StatusReport)
    /// A worker replaced, or a reload ended: counted for the metrics.
    case count(ArbiterCount)
    case log(LogRecord)
    /// A line on stderr whatever the log configuration, for the reason the supervisor gives up.
    case printError(String)
    /// Read the configuration again (HUP); the outcome comes back as `configurationLoaded` or
    /// `configurationRefused`.
    case loadConfiguration
    case reopenLogs
    /// Start the new supervisor of a binary upgrade; `upgradeStarted` or `upgradeFailedToStart`.
    case startUpgrade
    /// Tell the supervisor that started this one `ready`; `upgradeParentTold` once sent.
    case tellUpgradeParentReady
    /// Write the pidfile's own path, now that the upgrade's old supervisor has gone.
    case takeOverPidfile
    case exit(Int32)
}

/// One log line, as data: tests read what would be logged.
struct LogRecord: Equatable {
    var level: Logger.Level
    var message: String
    var metadata: Logger.Metadata

    /// The stable `event` name operators and tests look for.
    var event: String? {
        if case .string(let event) = metadata["event"] { return event }
        return nil
    }

    static func info(_ message: String, _ metadata: Logger.Metadata) -> ArbiterAction {
        .log(LogRecord(level: .info, message: message, metadata: metadata))
    }

    static func warning(_ message: String, _ metadata: Logger.Metadata) -> ArbiterAction {
        .log(LogRecord(level: .warning, message: message, metadata: metadata))
    }

    static func error(_ message: String, _ metadata: Logger.Metadata) -> ArbiterAction {
        .log(LogRecord(level: .error, message: message, metadata: metadata))
    }

    static func critical(_ message: String, _ metadata: Logger.Metadata) -> ArbiterAction {
        .log(LogRecord(level: .critical, message: message, metadata: metadata))
    }
}
