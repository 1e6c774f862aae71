import Supervisor
import Worker

// Entry point only. The supervisor starts its workers as `gatehouse worker`, this same program,
// so the three or more processes of a server share one executable's pages.
if CommandLine.arguments.dropFirst().first == WorkerProgram.commandName {
    WorkerProgram.main(arguments: Array(CommandLine.arguments.dropFirst(2)))
} else {
    SupervisorProgram.main()
}
