import Common
import Glibc
import Logging

/// `ArbiterAction`s as system calls, with everything they touch: the sockets, the programs to
/// start, the configuration, the log, systemd, the pidfile, and the control sockets of the
/// children started here.
struct ArbiterEffects {
    var sockets: SocketSet
    let workers: WorkerLauncher
    let upgrade: BinaryUpgrade.Launch
    /// To the supervisor that started this one, while it has not gone (an upgrade).
    var upgradeParent: ControlSocket?
    let reloadConfiguration: () throws(ConfigurationError) -> ConfigurationLoader.Loaded
    let logger: Logger
    let logOutput: LogOutput
    let notifier: SystemdNotifier
    let pidfile: Pidfile?
    /// The supervisor's end of each child's control socket: workers, and an upgrade's new supervisor.
    var controls: [pid_t: ControlSocket] = [:]
    /// Nil with metrics off (`GATEHOUSE_METRICS_BIND` empty).
    var metrics: ArbiterMetrics?

    /// Carries out `action`; returns its outcome when it has one.
    mutating func perform(_ action: ArbiterAction) -> ArbiterEvent? {
        switch action {
        case .spawn(let slot, let generation):
            do {
                let (pid, control) = try workers.spawn(slot: slot, sockets: &sockets)
                controls[pid] = control
                return .spawned(pid: pid, slot: slot, generation: generation)
            } catch {
                return .spawnFailed(slot: slot, generation: generation, reason: "\(error)")
            }
        case .signal(let pid, let signal):
            kill(pid, signal)
        case .closeSockets(let slot):
            sockets.release(slot: slot)
        case .notify(let states):
            notifier.notify(states)
        case .writeStatus(var report):
            for index in report.workers.indices {
                report.workers[index].residentBytes = ProcessMemory.residentBytes(of: report.workers[index].pid)
            }
            if let pidfile { try? report.write(to: StatusReport.path(forPidfile: pidfile.path)) }
            metrics?.observe(report)
        case .count(let count):
            metrics?.supervisor.count(count)
        case .log(let record):
            logger.log(level: record.level, "\(record.message)", metadata: record.metadata)
        case .printError(let line):
            FileDescriptorWriter.standardError("gatehouse: \(line)\n")
        case .loadConfiguration:
            do {
                return .configurationLoaded(ArbiterSettings(try reloadConfiguration().configuration))
            } catch {
                return .configurationRefused(problems: error.problems.map(\.description))
            }
        case .reopenLogs:
            reopenLogs()
        case .startUpgrade:
            do {
                let (pid, control) = try BinaryUpgrade.start(upgrade, sockets: sockets)
                controls[pid] = control
                return .upgradeStarted(pid: pid)
            } catch {
                return .upgradeFailedToStart(reason: "\(error)")
            }
        case .tellUpgradeParentReady:
            if upgradeParent?.send(.ready) == true { return .upgradeParentTold }
        case .takeOverPidfile:
            takeOverPidfile()
        case .exit:
            break  // The loop's.
        }
        return nil
    }

    private func reopenLogs() {
        do {
            try logOutput.reopen()
            logger.info("log file reopened", metadata: ["event": "logs.reopened"])
        } catch {
            FileDescriptorWriter.standardError("gatehouse: cannot reopen the log file: \(error)\n")
        }
    }

    private mutating func takeOverPidfile() {
        upgradeParent?.close()
        upgradeParent = nil
        do {
            try pidfile?.promoteFromUpgrade()
        } catch {
            logger.error("cannot take over the pidfile: \(error)", metadata: ["event": "pidfile.failed"])
        }
    }
}
