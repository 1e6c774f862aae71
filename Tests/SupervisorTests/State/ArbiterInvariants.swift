import Common
import Glibc
@testable import Supervisor

/// Watches every `handle` of an `ArbiterState` and records what breaks the supervisor's
/// promises. It keeps its own model of the processes, from the events it sees and the signals
/// sent, rather than reading the state's bookkeeping, so a slip there shows here.
final class ArbiterInvariants {
    /// A worker as the outside sees it.
    struct Worker {
        enum Life { case booting, ready, retiring, leaving }
        var slot: Int
        var generation: Int
        var life = Life.booting
        var signals: [Int32] = []
    }

    private(set) var violations: [String] = []
    /// Events handled.
    private(set) var events = 0
    /// The last steps, each an event and what the state answered, to read a failure by.
    private(set) var history: [String] = []
    private let historyLength: Int
    private(set) var workers: [pid_t: Worker] = [:]
    /// Other children: an upgrade's new supervisor.
    private var successors: Set<pid_t> = []
    /// When each (slot, generation) was last seen losing its worker, or failing to get one.
    private var emptySince: [SlotGeneration: Duration] = [:]
    /// Spawns asked for whose outcome has not come back yet.
    private var spawning: Set<SlotGeneration> = []
    /// The last boot failure in each slot, while it still holds back a spawn there.
    private var bootFailure: [Int: Duration] = [:]
    /// READY=1 is allowed: at first, and after each RELOADING=1.
    private var readyOwed = true
    private(set) var stoppingCount = 0
    private(set) var exitCodes: [Int32] = []
    private(set) var crashLoops = 0

    init(historyLength: Int = 60) {
        self.historyLength = historyLength
    }

    struct SlotGeneration: Hashable {
        var slot: Int
        var generation: Int
    }

    func fail(_ message: String, _ now: Duration) {
        violations.append("at \(now): \(message)")
    }

    func observe(_ event: ArbiterEvent, _ state: ArbiterState, _ actions: [ArbiterAction], _ now: Duration) {
        events += 1
        if case .message(_, .heartbeat) = event, actions.isEmpty {
            // Too many to keep.
        } else {
            history.append("\(now) \(event) [\(state.phase), generation \(state.generation), \(state.targetCount) slots] -> \(actions)")
            if history.count > historyLength { history.removeFirst() }
        }
        if !exitCodes.isEmpty && !actions.isEmpty { fail("actions after exit: \(actions)", now) }
        see(event, state: state, now: now)
        for action in actions { see(action, state: state, now: now) }
        if state.targetCount < 1 { fail("target below one worker", now) }
        for (key, count) in Dictionary(grouping: workers.values.filter { $0.life == .booting || $0.life == .ready }, by: {
            SlotGeneration(slot: $0.slot, generation: $0.generation)
        }).mapValues(\.count) where count > 1 {
            fail("\(count) workers for slot \(key.slot) of generation \(key.generation)", now)
        }
        if event == .tick { checkAfterTick(state, now) }
        // A slot's clock runs while the state is to keep it: it starts again when a TTIN or a
        // change of generation brings the slot back.
        emptySince = emptySince.filter { $0.key.generation == state.generation && $0.key.slot < state.targetCount }
    }

    private func see(_ event: ArbiterEvent, state: ArbiterState, now: Duration) {
        switch event {
        case .spawned(let pid, let slot, let generation):
            if workers[pid] != nil || successors.contains(pid) { fail("pid \(pid) spawned twice", now) }
            workers[pid] = Worker(slot: slot, generation: generation)
            spawning.remove(SlotGeneration(slot: slot, generation: generation))
        case .spawnFailed(let slot, let generation, _):
            bootFailure[slot] = now
            spawning.remove(SlotGeneration(slot: slot, generation: generation))
            emptySince[SlotGeneration(slot: slot, generation: generation)] = now
        case .upgradeStarted(let pid):
            successors.insert(pid)
        case .message(let pid, .ready):
            guard var worker = workers[pid], worker.life == .booting else { return }
            worker.life = .ready
            workers[pid] = worker
            bootFailure[worker.slot] = nil
        case .message(let pid, .retiring):
            guard var worker = workers[pid], worker.life == .ready else { return }
            worker.life = .retiring
            workers[pid] = worker
            emptied(worker, now)
        case .exited(let pid, _):
            successors.remove(pid)
            guard let worker = workers.removeValue(forKey: pid) else { return }
            if worker.life == .leaving { return }
            emptied(worker, now)
            if worker.life == .booting { bootFailure[worker.slot] = now } else { bootFailure[worker.slot] = nil }
        default:
            break
        }
    }

    private func see(_ action: ArbiterAction, state: ArbiterState, now: Duration) {
        switch action {
        case .signal(let pid, let signal):
            if successors.contains(pid) { return }
            guard var worker = workers[pid] else { return fail("signal \(signal) to pid \(pid), which is not a live child", now) }
            worker.signals.append(signal)
            if [SIGTERM, SIGQUIT, SIGABRT, SIGKILL].contains(signal) && worker.life != .leaving {
                if worker.life != .retiring { emptied(worker, now) }
                worker.life = .leaving
            }
            workers[pid] = worker
        case .spawn(let slot, let generation):
            spawning.insert(SlotGeneration(slot: slot, generation: generation))
            emptySince[SlotGeneration(slot: slot, generation: generation)] = nil
            if let failure = bootFailure[slot], now - failure < RestartBackoff.first {
                fail("slot \(slot) spawned again \(now - failure) after a boot failure", now)
            }
        case .notify(let states):
            if states.contains(.stopping) { stoppingCount += 1 }
            if states.contains(where: { if case .reloading = $0 { true } else { false } }) { readyOwed = true }
            if states.contains(.ready) && !states.contains(where: { if case .mainPID = $0 { true } else { false } }) {
                checkReady(state, now)
            }
        case .log(let record):
            if record.event == "supervisor.crash_loop" { crashLoops += 1 }
        case .exit(let code):
            exitCodes.append(code)
            if !workers.isEmpty { fail("exit with workers still running: \(workers.keys.sorted())", now) }
        default:
            break
        }
    }

    private func emptied(_ worker: Worker, _ now: Duration) {
        let key = SlotGeneration(slot: worker.slot, generation: worker.generation)
        if emptySince[key] == nil { emptySince[key] = now }
    }

    /// READY=1 only when every slot has a ready worker, and once per start or reload.
    private func checkReady(_ state: ArbiterState, _ now: Duration) {
        if !readyOwed { fail("READY=1 again without RELOADING=1 before it", now) }
        readyOwed = false
        for slot in 0..<state.targetCount where !workers.values.contains(where: {
            $0.slot == slot && $0.generation == state.generation && $0.life == .ready
        }) {
            fail("READY=1 while slot \(slot) has no ready worker of generation \(state.generation)", now)
        }
    }

    /// No slot is left without a worker for longer than its backoff unless stopping,
    /// and the loop never has to wake for a time already past.
    private func checkAfterTick(_ state: ArbiterState, _ now: Duration) {
        switch state.phase {
        case .stopping, .exited: return
        case .booting, .serving, .reloading: break
        }
        for slot in 0..<state.targetCount {
            let key = SlotGeneration(slot: slot, generation: state.generation)
            let filled = spawning.contains(key) || workers.values.contains {
                $0.slot == slot && $0.generation == state.generation && ($0.life == .booting || $0.life == .ready)
            }
            if filled {
                emptySince[key] = nil
            } else if let since = emptySince[key] {
                // The backoff runs from the slot's latest boot failure, in whichever generation.
                let waited = min(now - since, bootFailure[slot].map { now - $0 } ?? .seconds(Int64.max))
                if waited > RestartBackoff.maximum { fail("slot \(slot) without a worker for \(now - since)", now) }
            } else {
                emptySince[key] = now
            }
        }
        if state.nextDeadline(after: now) <= now { fail("the next timer is due already: the loop would spin", now) }
    }
}
