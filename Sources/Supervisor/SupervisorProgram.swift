import Common

/// The supervisor's side of the `gatehouse` program, called by the executable's `main.swift`.
/// `serve` holds its signals before anything else runs, so one that arrives while the program
/// starts waits for the arbiter's signalfd instead of taking its default action.
public enum SupervisorProgram {
    public static func main(arguments: [String] = CommandLine.arguments) {
        if ServeCommand.isRequested(by: arguments) {
            SignalMask.hold(Arbiter.handledSignals)
        }
        GatehouseCommand.main(Array(arguments.dropFirst()))
    }
}
