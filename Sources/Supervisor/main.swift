import Common

// Entry point only. `serve` holds its signals before anything else runs, so one that arrives
// while the program starts waits for the arbiter's signalfd instead of taking its default action.
if ServeCommand.isRequested(by: CommandLine.arguments) {
    SignalMask.hold(Arbiter.handledSignals)
}
GatehouseCommand.main()
