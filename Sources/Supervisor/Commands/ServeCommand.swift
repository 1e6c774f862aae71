import ArgumentParser
import Common
import Foundation
import Logging

/// `gatehouse serve`: bind, start the workers, supervise them until stopped.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the supervisor and its workers (the default).")

    @OptionGroup var options: ConfigurationOptions

    func run() throws {
        // Signals first: blocked before anything else, so none is lost or handled by default.
        let signals = try SignalFileDescriptor(signals: Arbiter.handledSignals)
        let environment = ProcessInfo.processInfo.environment
        let loaded = try options.loadOrExit()
        let configuration = loaded.configuration
        JSONLogHandler.bootstrap(level: configuration.logLevel)
        let logger = Logger(label: "gatehouse.supervisor")
        for warning in loaded.warnings {
            logger.warning("\(warning)", metadata: ["event": "config.warning"])
        }

        let notifier = SystemdNotifier(environment: environment)
        let watchdog = WatchdogSettings.current()
        let activated = SystemdNotifier.listenFileDescriptors(unsetEnvironment: true)
        let sockets: SocketSet
        do {
            let inherited = activated.map { ListenSocket(fileDescriptor: $0, address: .unix(path: "systemd:fd\($0)")) }
            sockets = try SocketSet(addresses: configuration.bind, inherited: inherited, slots: configuration.workers)
        } catch {
            FileHandle.standardError.write(Data("gatehouse: cannot listen: \(error)\n".utf8))
            throw ExitCode(1)
        }
        if !activated.isEmpty {
            logger.info("using sockets from systemd", metadata: ["event": "supervisor.socket_activation", "count": .stringConvertible(activated.count)])
        }

        let pidfile = configuration.pidfile.map(Pidfile.init(path:))
        do {
            try pidfile?.write()
        } catch {
            FileHandle.standardError.write(Data("gatehouse: cannot write pidfile: \(error)\n".utf8))
            throw ExitCode(1)
        }
        defer { pidfile?.remove() }

        let arbiter = Arbiter(
            configuration: configuration,
            reloadConfiguration: { () throws(ConfigurationError) in try options.load() },
            workerExecutable: Self.workerExecutable(),
            workerEnvironment: Self.workerEnvironment(environment, overrides: options.overrides),
            sockets: sockets, signals: signals, notifier: notifier, watchdog: watchdog, logger: logger)
        let status = arbiter.run()
        if status != 0 { throw ExitCode(status) }
    }

    /// `gatehouse-worker` next to this executable.
    static func workerExecutable() -> String {
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("gatehouse-worker").path
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
