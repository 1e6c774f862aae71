import ArgumentParser
import Common

/// `gatehouse settings`: the settings table as documentation or as a deployment's example file.
/// scripts/generate-settings.sh writes the repository's copies with it, and a test fails when
/// one of them differs from what it prints.
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "Print every setting: the reference page, a deployment's example file, or JSON.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case markdown, compose, systemd, kubernetes, json

        var text: String {
            switch self {
            case .markdown: return SettingsReference.render()
            case .compose: return ExampleFile.compose.render()
            case .systemd: return ExampleFile.systemd.render()
            case .kubernetes: return ExampleFile.kubernetes.render()
            case .json: return SettingsListing.render()
            }
        }
    }

    @Option(help: "markdown (docs/configuration.md), compose (.env.example), systemd (systemd/gatehouse.env.example), kubernetes (deploy/kubernetes/gatehouse.env) or json.")
    var format: Format = .markdown

    func run() {
        print(format.text, terminator: "")
    }
}
