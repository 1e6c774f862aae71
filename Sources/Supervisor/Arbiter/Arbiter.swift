import Common
import Glibc

/// The supervisor's one loop, after Gunicorn's arbiter: sleep until a signal, a worker's
/// message or a timer; reap; then a tick, in which `ArbiterState` murders and manages; carry
/// out what it decides; repeat until it says exit.
///
/// Single-threaded: signals are blocked and read from a signalfd, children are reaped with
/// waitpid, timers come from the poll timeout.
final class Arbiter {
    static let handledSignals = [SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2, SIGCHLD]

    private var state: ArbiterState
    private let signals: SignalFileDescriptor
    private var effects: ArbiterEffects
    private var exitCode: Int32?

    init(state: ArbiterState, signals: consuming SignalFileDescriptor, effects: ArbiterEffects) {
        self.state = state
        self.signals = signals
        self.effects = effects
    }

    /// Runs until stopped; returns the process exit status.
    func run() -> Int32 {
        effects.logger.info("supervisor started", metadata: [
            "event": "supervisor.started", "workers": .stringConvertible(state.targetCount),
            "listen": .array(effects.sockets.boundDescriptions.map { .string($0) }),
        ])
        send(.tick)
        while exitCode == nil {
            let readable = sleep()
            for signal in signals.drain() { send(.signal(signal)) }
            readMessages(from: readable)
            reapWorkers()
            if let parent = state.upgradeParentPID, getppid() != parent { send(.upgradeParentGone) }
            send(.tick)  // Murder, manage, timers: ArbiterState.tick.
        }
        effects.sockets.closeAll()
        return exitCode ?? 0
    }

    /// Hands `event` to the state and carries out its actions, and their outcomes in turn.
    private func send(_ event: ArbiterEvent) {
        for action in state.handle(event, now: MonotonicClock.now()) {
            if case .exit(let code) = action { exitCode = code }
            if let outcome = effects.perform(action) { send(outcome) }
        }
    }

    /// Until a signal, a child's message, or the nearest timer.
    private func sleep() -> Set<Int32> {
        let now = MonotonicClock.now()
        let wait = max(.zero, state.nextDeadline(after: now) - now)
        let milliseconds = wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000 + 1
        let watched = [signals.fileDescriptor] + effects.controls.values.map(\.fileDescriptor)
        return Poller.wait(for: watched, timeoutMilliseconds: Int32(clamping: milliseconds))
    }

    private func readMessages(from readable: Set<Int32>) {
        for (pid, control) in effects.controls.sorted(by: { $0.key < $1.key }) where readable.contains(control.fileDescriptor) {
            reading: while true {
                switch control.receive() {
                // Snapshots go to the metrics alone: the state has nothing to decide about them.
                case .message(.metrics(let text)): effects.metrics?.fleet.update(pid: pid, text: text)
                case .message(let message): send(.message(from: pid, message))
                case .garbage: send(.unreadableMessage(from: pid))
                case .empty, .closed: break reading  // Closed: the exit is handled when the process is reaped.
                }
            }
        }
    }

    /// Every child that has exited: workers, an upgrade's new supervisor, and (as PID 1) orphans.
    private func reapWorkers() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            effects.controls.removeValue(forKey: pid)?.close()
            effects.metrics?.fleet.retire(pid: pid)
            send(.exited(pid, WaitStatus(rawValue: status)))
        }
    }
}
