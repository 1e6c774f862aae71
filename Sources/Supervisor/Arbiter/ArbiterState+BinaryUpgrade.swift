import Common
import Glibc

/// USR2, from both sides: the old supervisor starts a new one and waits for its `ready`; the new
/// one says `ready` once it serves and takes over once the old one has gone.
extension ArbiterState {
    enum Upgrade: Equatable {
        case none
        /// Old side: the new supervisor runs; its `ready` hands the service over.
        case awaitingSuccessor(pid: pid_t, startedAt: Duration)
        /// Old side: the new one was not ready in time and was sent SIGTERM; a late `ready` from
        /// it no longer counts, and its exit ends the upgrade.
        case abandoningSuccessor(pid: pid_t)
        /// New side: started by an upgrade; the old supervisor is still there.
        case successor(parentPID: pid_t, toldReady: Bool)
    }

    /// The old supervisor's pid while this one, started by an upgrade, waits for it to leave.
    var upgradeParentPID: pid_t? {
        if case .successor(let parent, _) = upgrade { return parent }
        return nil
    }

    func isSuccessor(_ pid: pid_t) -> Bool {
        switch upgrade {
        case .awaitingSuccessor(let successor, _), .abandoningSuccessor(let successor): successor == pid
        case .none, .successor: false
        }
    }

    mutating func requestUpgrade() -> [ArbiterAction] {
        guard case .serving = phase, case .none = upgrade else {
            return [LogRecord.warning("binary upgrade ignored: not running steadily, or an upgrade is in progress", ["event": "upgrade.ignored"])]
        }
        return [.startUpgrade]
    }

    mutating func upgradeStarted(pid: pid_t, now: Duration) -> [ArbiterAction] {
        upgrade = .awaitingSuccessor(pid: pid, startedAt: now)
        return [LogRecord.info("binary upgrade started", ["event": "upgrade.started", "new_pid": .stringConvertible(pid)])]
    }

    func upgradeFailedToStart(reason: String) -> [ArbiterAction] {
        [LogRecord.error("binary upgrade failed: \(reason)", ["event": "upgrade.failed"])]
    }

    /// The new supervisor is ready: hand systemd its pid and retire this one's workers.
    mutating func successorSaid(_ message: ControlMessage, now: Duration) -> [ArbiterAction] {
        guard message == .ready, case .awaitingSuccessor(let pid, _) = upgrade else { return [] }
        upgrade = .none
        return [
            LogRecord.info("binary upgrade complete; retiring this supervisor's workers", [
                "event": "upgrade.completed", "new_pid": .stringConvertible(pid),
            ]),
            .notify([.mainPID(pid), .ready, .status("Upgraded to pid \(pid)")]),
        ] + stop(graceful: true, reason: "upgraded", now: now)
    }

    mutating func successorExited(status: WaitStatus) -> [ArbiterAction] {
        guard case .awaitingSuccessor(let pid, _) = upgrade else {
            upgrade = .none
            return []  // Abandoned: its failure was logged when it was.
        }
        upgrade = .none
        return [LogRecord.error("binary upgrade failed: the new supervisor exited before it was ready; still serving", [
            "event": "upgrade.failed", "new_pid": .stringConvertible(pid), "status": .string(status.description),
        ])]
    }

    /// Old side: give up on a new supervisor that never gets ready. New side: tell the old one
    /// `ready` once serving (again each turn until it is sent).
    mutating func superviseUpgrade(now: Duration) -> [ArbiterAction] {
        switch upgrade {
        case .awaitingSuccessor(let pid, let startedAt) where now - startedAt > BinaryUpgrade.readyTimeout:
            upgrade = .abandoningSuccessor(pid: pid)
            return [
                LogRecord.error("binary upgrade failed: the new supervisor did not get ready in time; stopping it", [
                    "event": "upgrade.failed", "new_pid": .stringConvertible(pid),
                ]),
                .signal(pid, SIGTERM),
            ]
        case .successor(_, toldReady: false) where phase.hasAnnouncedReady:
            return [.tellUpgradeParentReady]
        default:
            return []
        }
    }

    mutating func upgradeParentTold() -> [ArbiterAction] {
        if case .successor(let parent, _) = upgrade { upgrade = .successor(parentPID: parent, toldReady: true) }
        return []
    }

    mutating func upgradeParentGone() -> [ArbiterAction] {
        guard case .successor = upgrade else { return [] }
        upgrade = .none
        return [
            .takeOverPidfile,
            LogRecord.info("the previous supervisor has gone; this one is the supervisor now", ["event": "upgrade.taken_over"]),
        ]
    }
}
