import ArgumentParser
import Common
import Foundation

/// Flags shared by `serve` and `check-config`; each overrides its environment variable.
struct ConfigurationOptions: ParsableArguments {
    @Option(help: "Addresses to listen on, comma-separated host:port or unix:/path (GATEHOUSE_BIND).")
    var bind: String?

    @Option(help: "Number of worker processes (GATEHOUSE_WORKERS).")
    var workers: Int?

    @Option(help: "Log level (GATEHOUSE_LOG_LEVEL).")
    var logLevel: String?

    @Option(help: "Write the supervisor's pid to this file (GATEHOUSE_PIDFILE).")
    var pidfile: String?

    var overrides: [String: String] {
        var overrides: [String: String] = [:]
        if let bind { overrides["GATEHOUSE_BIND"] = bind }
        if let workers { overrides["GATEHOUSE_WORKERS"] = String(workers) }
        if let logLevel { overrides["GATEHOUSE_LOG_LEVEL"] = logLevel }
        if let pidfile { overrides["GATEHOUSE_PIDFILE"] = pidfile }
        return overrides
    }

    func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> ConfigurationLoader.Loaded {
        try ConfigurationLoader.load(ConfigurationSource(environment: environment, overrides: overrides))
    }

    /// Loads, or prints one line per problem and exits 78.
    func loadOrExit() throws -> ConfigurationLoader.Loaded {
        try Self.exitOnProblems { () throws(ConfigurationError) in try load() }
    }

    /// Runs `body`; a configuration error prints one line per problem and exits 78.
    static func exitOnProblems<Value>(_ body: () throws(ConfigurationError) -> Value) throws -> Value {
        do {
            return try body()
        } catch {
            for problem in error.problems {
                FileHandle.standardError.write(Data("gatehouse: \(problem)\n".utf8))
            }
            throw ExitCode(ConfigurationError.exitCode)
        }
    }
}
