import ArgumentParser
import Common

/// `gatehouse check-config`: the start-up validation, with nothing started.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate the configuration and exit (0 when valid, 78 otherwise).")

    @OptionGroup var options: ConfigurationOptions

    func run() throws {
        let loaded = try options.loadOrExit()
        for warning in loaded.warnings { print("warning: \(warning)") }
        let configuration = loaded.configuration
        print("configuration OK: resource \(configuration.resource), issuer \(configuration.issuer), \(configuration.workers) workers on \(configuration.bind.map(\.description).joined(separator: ", "))")
    }
}
