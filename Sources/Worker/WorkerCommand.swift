import ArgumentParser
import Common
import Foundation
import Logging
import NIOCore
import NIOPosix

/// `gatehouse worker`: one worker process. Under the supervisor it adopts the sockets named in
/// `GATEHOUSE_LISTEN_FDS`; on its own (development) it binds `--bind` or `GATEHOUSE_BIND`.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse worker",
        abstract: "Serve MCP behind OAuth 2.1 token validation (one worker process).",
        discussion: "Configuration comes from GATEHOUSE_* environment variables, a .env file and *_FILE secrets; flags override them.",
        version: GatehouseVersion.current,
        subcommands: [ValidationSpeedCommand.self])

    @Option(name: .long, help: "Address to listen on (host:port or unix:/path); repeatable. Overrides GATEHOUSE_BIND.")
    var bind: [String] = []

    @Option(name: .long, help: "Overrides GATEHOUSE_LOG_LEVEL.")
    var logLevel: String?

    /// The asynchronous entry point (top-level code would pick ArgumentParser's synchronous `main`).
    static func start(arguments: [String]) async {
        await main(arguments)
    }

    func run() async throws {
        var overrides: [String: String] = [:]
        if !bind.isEmpty { overrides["GATEHOUSE_BIND"] = bind.joined(separator: ",") }
        if let logLevel { overrides["GATEHOUSE_LOG_LEVEL"] = logLevel }

        let environment = ProcessInfo.processInfo.environment
        let configuration: GatehouseConfiguration
        let logger: Logger
        let logOutput: LogOutput
        do {
            let loaded = try ConfigurationLoader.load(ConfigurationSource(environment: environment, overrides: overrides))
            configuration = loaded.configuration
            (logger, logOutput) = try loaded.startLogging(label: "gatehouse.worker")
        } catch {
            for problem in error.problems {
                FileHandle.standardError.write(Data("gatehouse worker: \(problem)\n".utf8))
            }
            throw ExitCode(ConfigurationError.exitCode)
        }

        if configuration.testWorkerBootFailure {
            FileHandle.standardError.write(Data("gatehouse worker: exiting during boot, as \(Setting.testWorkerBootFailure.name) asks\n".utf8))
            throw ExitCode(3)
        }

        let listeners: [Listener]
        do {
            listeners = try Listener.inherited(from: environment) ?? configuration.bind.map(Listener.bind)
        } catch {
            FileHandle.standardError.write(Data("gatehouse worker: \(error)\n".utf8))
            throw ExitCode(ConfigurationError.exitCode)
        }

        try await WorkerRuntime(configuration: configuration, environment: environment, logger: logger, logOutput: logOutput)
            .run(listeners: listeners)
    }
}
