import Logging

extension ConfigurationLoader.Loaded {
    /// Opens the configured log sink, installs JSON logging for the process and logs the
    /// configuration's warnings. A log file that cannot be opened is a configuration problem.
    public func startLogging(label: String) throws(ConfigurationError) -> (logger: Logger, output: LogOutput) {
        let output: LogOutput
        do {
            output = try configuration.makeLogOutput()
        } catch {
            throw ConfigurationError(problems: [ConfigurationProblem("GATEHOUSE_LOG_PATH", "cannot open: \(error)")])
        }
        JSONLogHandler.bootstrap(level: configuration.logLevel, output: output)
        let logger = Logger(label: label)
        for warning in warnings {
            logger.warning("\(warning)", metadata: ["event": "config.warning"])
        }
        return (logger, output)
    }
}
