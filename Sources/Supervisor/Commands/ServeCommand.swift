import ArgumentParser
import Common
import Foundation
import Logging
import Prometheus

/// `gatehouse serve`: bind, start the workers, supervise them until stopped.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the supervisor and its workers (the default).")

    @OptionGroup var options: ConfigurationOptions

    func run() throws {
        // Signals first (main.swift has held them already): none is lost or handled by default.
        let signals = try SignalFileDescriptor(signals: Arbiter.handledSignals)
        let environment = ProcessInfo.processInfo.environment
        let loaded = try options.loadOrExit()
        let configuration = loaded.configuration
        let (logger, logOutput) = try ConfigurationOptions.exitOnProblems { () throws(ConfigurationError) in
            try loaded.startLogging(label: "gatehouse.supervisor")
        }

        let notifier = SystemdNotifier(environment: environment)
        let watchdog = WatchdogSettings.current()
        let upgrade = BinaryUpgrade.inherited(from: environment)
        let sockets: SocketSet
        if let upgrade {
            sockets = upgrade.sockets
            logger.info("started by a binary upgrade; using the inherited sockets", metadata: [
                "event": "upgrade.inherited", "old_pid": .stringConvertible(upgrade.parent.pid),
            ])
        } else {
            let activated = SystemdNotifier.listenFileDescriptors(unsetEnvironment: true)
            do {
                let inherited = activated.map { fd in
                    ListenSocket(fileDescriptor: fd, address: ListenSocket.boundAddress(of: fd) ?? .unix(path: "/dev/fd/\(fd)"))
                }
                sockets = try SocketSet(addresses: configuration.bind, inherited: inherited, slots: configuration.workers)
            } catch {
                FileHandle.standardError.write(Data("gatehouse: cannot listen: \(error)\n".utf8))
                throw ExitCode(1)
            }
            if !activated.isEmpty {
                logger.info("using sockets from systemd", metadata: ["event": "supervisor.socket_activation", "count": .stringConvertible(activated.count)])
            }
        }

        let metrics = try Self.startMetrics(configuration, upgrading: upgrade != nil, logger: logger)
        defer { metrics?.server.stop() }

        let pidfile = configuration.pidfile.map { Pidfile(path: $0, upgrading: upgrade != nil) }
        do {
            try pidfile?.write()
        } catch {
            FileHandle.standardError.write(Data("gatehouse: cannot write pidfile: \(error)\n".utf8))
            throw ExitCode(1)
        }
        defer { pidfile?.remove() }

        let ownEnvironment = environment.filter { key, _ in
            key != SocketSet.upgradeVariable && key != BinaryUpgrade.controlVariable && key != BinaryUpgrade.parentVariable
        }
        let state = ArbiterState(
            settings: ArbiterSettings(configuration), supervisorPID: getpid(), watchdogPingInterval: watchdog?.pingInterval,
            reportsStatus: pidfile != nil || metrics != nil, upgradeParent: upgrade?.parent.pid)
        var effects = ArbiterEffects(
            sockets: sockets,
            workers: WorkerLauncher(
                executable: Self.programOnDisk,
                environment: Self.workerEnvironment(ownEnvironment, overrides: options.overrides)),
            upgrade: BinaryUpgrade.Launch(
                executable: Self.programOnDisk, arguments: Array(CommandLine.arguments.dropFirst()),
                environment: ownEnvironment),
            upgradeParent: upgrade?.parent.control,
            reloadConfiguration: { () throws(ConfigurationError) in try options.load() },
            logger: logger, logOutput: logOutput, notifier: notifier, pidfile: pidfile)
        effects.metrics = metrics.map { ArbiterMetrics(fleet: $0.fleet, supervisor: $0.supervisor) }
        let arbiter = Arbiter(state: state, signals: signals, effects: effects)
        let status = arbiter.run()
        if status != 0 { throw ExitCode(status) }
    }

    /// The registry the arbiter fills and the listener that serves it; nil with metrics off.
    static func startMetrics(
        _ configuration: GatehouseConfiguration, upgrading: Bool, logger: Logger
    ) throws -> (fleet: FleetMetrics, supervisor: SupervisorMetrics, server: MetricsServer)? {
        guard case .tcp(let host, let port)? = configuration.metricsBind else { return nil }
        let registry = PrometheusCollectorRegistry()
        let supervisor = SupervisorMetrics(registry: registry)
        let fleet = FleetMetrics(registry: registry, reserved: SupervisorMetrics.names)
        let server = MetricsServer(
            host: host, port: port, token: configuration.metricsToken, logger: logger, render: { registry.emitToBuffer() })
        if upgrading {
            // The supervisor being replaced holds the port until this one is ready and it leaves.
            server.bindWhenFree(attempts: 4 * 120)
        } else {
            do {
                try server.bind()
            } catch {
                server.stop()
                FileHandle.standardError.write(Data("gatehouse: cannot serve metrics on \(host):\(port): \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
        return (fleet, supervisor, server)
    }

    /// Whether `arguments` run `serve`: named, or the default (no subcommand, or options first).
    static func isRequested(by arguments: [String]) -> Bool {
        guard let first = arguments.dropFirst().first else { return true }
        return first == configuration.commandName || first.hasPrefix("-")
    }

    /// This program's file: workers (`gatehouse worker`) and an upgrade start it by path, so a
    /// binary replaced on disk is what they run.
    static var programOnDisk: String {
        guard let own = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            return CommandLine.arguments[0]
        }
        // The file this process started from, once replaced, reads "<path> (deleted)".
        let replaced = " (deleted)"
        return own.hasSuffix(replaced) ? String(own.dropLast(replaced.count)) : own
    }

    /// The supervisor's environment without what belongs to it alone (systemd's notification
    /// socket, socket activation and watchdog variables), plus the command-line overrides.
    static func workerEnvironment(_ environment: [String: String], overrides: [String: String]) -> [String: String] {
        var result = environment.filter { key, _ in
            key != "NOTIFY_SOCKET" && !key.hasPrefix("LISTEN_") && !key.hasPrefix("WATCHDOG_")
        }
        result.merge(overrides) { _, new in new }
        return result
    }
}
