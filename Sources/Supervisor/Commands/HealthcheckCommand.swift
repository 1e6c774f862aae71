import ArgumentParser
import Foundation
import Common

/// `gatehouse healthcheck`: for Docker's HEALTHCHECK in an image without curl. Exit 0 when
/// `/readyz` answers 200, 1 otherwise.
struct HealthcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck", abstract: "Check that the local server is ready (exit 0) or not (exit 1).")

    @Option(help: "The readiness URL (default: /readyz on the first TCP address of GATEHOUSE_BIND).")
    var url: String?

    @Option(help: "Seconds to wait for an answer.")
    var timeout: Double = 3

    func run() throws {
        let target: String
        if let url {
            target = url
        } else {
            let bind = ConfigurationSource(environment: ProcessInfo.processInfo.environment)[Setting.bind.name]
                ?? Setting.bind.defaultValue.text ?? ""
            guard let address = bind.split(separator: ",").compactMap({ BindAddress(parsing: String($0)) }).first,
                case .tcp(let host, let port) = address
            else {
                print("unhealthy: no TCP address in GATEHOUSE_BIND; pass --url")
                throw ExitCode(1)
            }
            let reachable = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "::1" : host
            let hostPart = reachable.contains(":") ? "[\(reachable)]" : reachable
            target = "http://\(hostPart):\(port)/readyz"
        }
        let probe = ReadinessProbe(timeout: .milliseconds(Int64(timeout * 1000)))
        let answer: ReadinessProbe.Answer
        do {
            answer = try probe.get(target)
        } catch {
            print("unhealthy: \(error)")
            throw ExitCode(1)
        }
        guard answer.status == 200 else {
            print("unhealthy: \(target) answered \(answer.status)")
            throw ExitCode(1)
        }
        print("healthy: \(String(decoding: answer.body, as: UTF8.self))")
    }
}
