import ArgumentParser
import Common

/// `gatehouse`: the program operators run. `serve` (the default) starts the supervisor.
struct GatehouseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse",
        abstract: "A secure MCP server: OAuth 2.1 resource server, prefork supervisor.",
        discussion: """
            Configuration comes from GATEHOUSE_* environment variables, a .env file and *_FILE secrets; flags override them. \
            `gatehouse worker` runs one worker process, as the supervisor starts them; alone, it serves for development \
            (`gatehouse worker --help`).
            """,
        version: GatehouseVersion.current,
        subcommands: [ServeCommand.self, CheckConfigCommand.self, HealthcheckCommand.self, StatusCommand.self, SettingsCommand.self],
        defaultSubcommand: ServeCommand.self)
}
