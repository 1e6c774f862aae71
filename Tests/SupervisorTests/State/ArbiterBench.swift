import Common
import Glibc
@testable import Supervisor

/// Plays the loop for `ArbiterState`, without processes: a clock that moves only when told,
/// pids handed out in order, every action recorded, and the outcomes of actions sent back as
/// the loop sends them.
struct ArbiterBench {
    enum Reload {
        case valid(ArbiterSettings)
        case invalid
    }

    var state: ArbiterState
    var now: Duration = .seconds(1000)
    var nextPID: pid_t = 100
    /// Every action, in order.
    var actions: [ArbiterAction] = []
    /// Children started and not yet reaped.
    var live: Set<pid_t> = []
    /// What the next `loadConfiguration` reads.
    var reload: Reload
    var spawnFails = false
    var upgradeFailsToStart = false
    /// Called after each `handle`, before its actions are carried out, with what it answered.
    var observe: ((ArbiterEvent, ArbiterState, [ArbiterAction], Duration) -> Void)?

    static func settings(workers: Int = 2, graceful: Duration = .seconds(30), workerTimeout: Duration = .seconds(30)) -> ArbiterSettings {
        ArbiterSettings(workers: workers, bind: [.tcp(host: "127.0.0.1", port: 0)], gracefulTimeout: graceful, workerTimeout: workerTimeout)
    }

    init(
        workers: Int = 2, graceful: Duration = .seconds(30), workerTimeout: Duration = .seconds(30),
        watchdog: Duration? = nil, reportsStatus: Bool = false, upgradeParent: pid_t? = nil
    ) {
        let settings = Self.settings(workers: workers, graceful: graceful, workerTimeout: workerTimeout)
        state = ArbiterState(
            settings: settings, supervisorPID: 1, watchdogPingInterval: watchdog, reportsStatus: reportsStatus,
            upgradeParent: upgradeParent)
        reload = .valid(settings)
    }

    // MARK: - The loop's part

    /// One event, and the outcomes of its actions in turn; returns every action that followed.
    @discardableResult
    mutating func send(_ event: ArbiterEvent) -> [ArbiterAction] {
        let answered = state.handle(event, now: now)
        observe?(event, state, answered, now)
        var all: [ArbiterAction] = []
        for action in answered {
            all.append(action)
            actions.append(action)
            if let outcome = outcome(of: action) { all += send(outcome) }
        }
        return all
    }

    private mutating func outcome(of action: ArbiterAction) -> ArbiterEvent? {
        switch action {
        case .spawn(let slot, let generation):
            if spawnFails { return .spawnFailed(slot: slot, generation: generation, reason: "posix_spawn: No such file or directory") }
            return .spawned(pid: startProcess(), slot: slot, generation: generation)
        case .loadConfiguration:
            switch reload {
            case .valid(let settings): return .configurationLoaded(settings)
            case .invalid: return .configurationRefused(problems: ["GATEHOUSE_WORKERS: 'many' is not a number"])
            }
        case .startUpgrade:
            if upgradeFailsToStart { return .upgradeFailedToStart(reason: "posix_spawn: Exec format error") }
            return .upgradeStarted(pid: startProcess())
        case .tellUpgradeParentReady:
            return .upgradeParentTold
        default:
            return nil
        }
    }

    private mutating func startProcess() -> pid_t {
        defer { nextPID += 1 }
        live.insert(nextPID)
        return nextPID
    }

    // MARK: - Conveniences

    /// A turn of the loop: the clock moves, then the tick.
    @discardableResult
    mutating func tick(after elapsed: Duration = .zero) -> [ArbiterAction] {
        now += elapsed
        return send(.tick)
    }

    /// A turn of the loop that brought `event`.
    @discardableResult
    mutating func turn(_ event: ArbiterEvent, after elapsed: Duration = .zero) -> [ArbiterAction] {
        now += elapsed
        return send(event) + send(.tick)
    }

    @discardableResult
    mutating func signal(_ signal: Int32) -> [ArbiterAction] {
        turn(.signal(signal))
    }

    @discardableResult
    mutating func say(_ message: ControlMessage, from pid: pid_t) -> [ArbiterAction] {
        turn(.message(from: pid, message))
    }

    /// Every booting worker says `ready`, in one turn.
    @discardableResult
    mutating func bootAll() -> [ArbiterAction] {
        booting.flatMap { send(.message(from: $0.pid, .ready)) } + send(.tick)
    }

    @discardableResult
    mutating func exit(_ pid: pid_t, _ status: WaitStatus = .exited(0)) -> [ArbiterAction] {
        live.remove(pid)
        return turn(.exited(pid, status))
    }

    /// Every worker sent a signal that ends it (or TERM, which it obeys) exits, in one turn.
    @discardableResult
    mutating func exitSignalled() -> [ArbiterAction] {
        let leaving = state.workers.values.filter(\.isLeaving).map(\.pid).sorted()
        for pid in leaving { live.remove(pid) }
        return leaving.flatMap { pid in send(.exited(pid, .exited(0))) } + send(.tick)
    }

    /// Started and serving: every slot has a ready worker and READY=1 went out.
    mutating func start() {
        tick()
        bootAll()
    }

    // MARK: - Reading what happened

    var workers: [WorkerRecord] { state.workers.values.sorted { $0.pid < $1.pid } }
    var booting: [WorkerRecord] { workers.filter { $0.state == .booting } }
    func workers(generation: Int) -> [WorkerRecord] { workers.filter { $0.generation == generation } }
    func worker(slot: Int, generation: Int? = nil) -> WorkerRecord? {
        workers.first { $0.slot == slot && $0.generation == (generation ?? state.generation) && $0.isServingCandidate }
    }

    static func events(in actions: [ArbiterAction]) -> [String] {
        actions.compactMap { if case .log(let record) = $0 { record.event } else { nil } }
    }

    static func notifications(in actions: [ArbiterAction]) -> [[SystemdState]] {
        actions.compactMap { if case .notify(let states) = $0 { states } else { nil } }
    }

    static func signals(in actions: [ArbiterAction]) -> [(pid: pid_t, signal: Int32)] {
        actions.compactMap { if case .signal(let pid, let signal) = $0 { (pid, signal) } else { nil } }
    }

    static func spawns(in actions: [ArbiterAction]) -> [(slot: Int, generation: Int)] {
        actions.compactMap { if case .spawn(let slot, let generation) = $0 { (slot, generation) } else { nil } }
    }

    static func count(_ state: SystemdState, in actions: [ArbiterAction]) -> Int {
        notifications(in: actions).filter { $0.contains(state) }.count
    }

    /// The new supervisor of an upgrade under way.
    var successor: pid_t? {
        if case .awaitingSuccessor(let pid, _) = state.upgrade { return pid }
        return nil
    }

    var events: [String] { Self.events(in: actions) }
    func count(event: String) -> Int { events.filter { $0 == event }.count }
    func count(_ systemd: SystemdState) -> Int { Self.count(systemd, in: actions) }
    func signals(to pid: pid_t) -> [Int32] { Self.signals(in: actions).filter { $0.pid == pid }.map(\.signal) }
    func record(event: String) -> LogRecord? {
        actions.lazy.compactMap { if case .log(let record) = $0, record.event == event { record } else { nil } }.last
    }
    var exitCode: Int32? {
        actions.lazy.compactMap { if case .exit(let code) = $0 { code } else { nil } }.first
    }
}
