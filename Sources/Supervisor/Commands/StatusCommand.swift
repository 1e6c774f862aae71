import ArgumentParser
import Common
import Foundation

/// `gatehouse status`: the running supervisor's workers (pid, generation, age, requests, state).
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the running supervisor's workers (needs GATEHOUSE_PIDFILE or --pidfile).")

    @Option(help: "The supervisor's pidfile (default: GATEHOUSE_PIDFILE).")
    var pidfile: String?

    @Flag(help: "Print the status as JSON.")
    var json = false

    func run() throws {
        guard let pidfile = pidfile ?? ConfigurationSource(environment: ProcessInfo.processInfo.environment)["GATEHOUSE_PIDFILE"] else {
            print("gatehouse status: no pidfile; set GATEHOUSE_PIDFILE or pass --pidfile")
            throw ExitCode(64)
        }
        let report: StatusReport
        do {
            report = try StatusReport.read(from: StatusReport.path(forPidfile: pidfile))
        } catch {
            print("gatehouse status: no status next to \(pidfile); is the supervisor running?")
            throw ExitCode(1)
        }
        guard kill(report.supervisorPID, 0) == 0 else {
            print("gatehouse status: supervisor \(report.supervisorPID) is not running")
            throw ExitCode(1)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.table)
        }
    }
}
