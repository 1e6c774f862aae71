import Common
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// The worker's side of the control socket: `ready` once it can serve, a heartbeat every
/// interval from the event loop, `retiring` when it recycles itself. Without a supervisor
/// (development), only recycling applies.
final class SupervisorLink: Sendable {
    private let socket: ControlSocket?
    private let parentPID: pid_t
    private let counters: RequestCounters
    private let trigger: ShutdownTrigger
    private let maxRequests: UInt64?
    private let logger: Logger
    private let retiring = Atomic<Bool>(false)
    private let announced = Atomic<Bool>(false)
    private let readiness = NIOLockedValueBox<(@Sendable () -> Bool)?>(nil)
    /// The worker's metrics as Prometheus text, sent with every heartbeat.
    private let metrics: (@Sendable () -> [UInt8])?

    static let heartbeatInterval = TimeAmount.milliseconds(500)

    init(
        environment: [String: String], counters: RequestCounters, trigger: ShutdownTrigger, maxRequests: UInt64?, logger: Logger,
        metrics: (@Sendable () -> [UInt8])? = nil
    ) {
        self.metrics = metrics
        socket = WorkerHandOff.controlSocket(in: environment)
        parentPID = getppid()
        self.counters = counters
        self.trigger = trigger
        self.maxRequests = maxRequests
        self.logger = logger
    }

    /// Sends `ready` when `isReady` first holds (checked now, on `checkReadiness()` and with
    /// each heartbeat), then heartbeats until shutdown.
    func start(on eventLoop: any EventLoop, isReady: @escaping @Sendable () -> Bool) {
        readiness.withLockedValue { $0 = isReady }
        eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(10), delay: Self.heartbeatInterval) { task in
            if self.trigger.hasFired {
                task.cancel()
                return
            }
            // An orphan must never keep serving: a new parent means the supervisor is gone.
            if self.socket != nil && getppid() != self.parentPID {
                self.logger.warning("supervisor gone", metadata: ["event": "worker.orphaned"])
                self.trigger.fire("supervisor gone")
                return
            }
            self.checkReadiness()
            self.socket?.send(.heartbeat(WorkerCounters(requests: self.counters.requests, connections: self.counters.connections)))
            if let socket = self.socket, let metrics = self.metrics { socket.send(.metrics(metrics())) }
        }
    }

    /// Announces `ready` the first time the readiness condition holds.
    func checkReadiness() {
        let isNewlyReady = readiness.withLockedValue { isReady in
            guard !announced.load(ordering: .relaxed), let isReady, isReady() else { return false }
            return announced.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged
        }
        if isNewlyReady { socket?.send(.ready) }
    }

    /// Called after each request; starts recycling once the limit is reached. Under a
    /// supervisor the worker keeps serving until its replacement is ready and it is told to
    /// stop (SIGTERM); on its own it stops at once.
    func requestCompleted(total: UInt64) {
        guard let maxRequests, total >= maxRequests, !trigger.hasFired else { return }
        guard retiring.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        logger.info("max requests reached", metadata: ["event": "worker.retiring", "requests": .stringConvertible(total)])
        if let socket {
            socket.send(.retiring(reason: "max_requests"))
        } else {
            trigger.fire("max requests")
        }
    }
}
