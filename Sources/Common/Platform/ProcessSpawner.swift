import CSystemShims
import Glibc

/// Starts programs with `posix_spawn` the way a supervisor must: no code of ours runs between
/// fork and exec, the child gets default dispositions and only the signals it is told to hold
/// blocked (a parent's blocked or ignored signals never leak into it), and only the file
/// descriptors named here reach it.
public struct ProcessSpawner: Sendable {
    public init() {}

    /// - Parameters:
    ///   - descriptors: child fd number -> the parent's fd to place there (stdin, stdout and
    ///     stderr included; those not named are inherited as they are).
    ///   - heldSignals: blocked in the child from its first instruction, for a child that takes
    ///     them itself (`WorkerHandOff.heldSignals`); nothing else is blocked.
    /// - Returns: the child's pid.
    public func spawn(
        executable: String, arguments: [String], environment: [String: String], descriptors: [Int32: Int32] = [:],
        heldSignals: [Int32] = []
    ) throws(SystemCallError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        // Move every source out of the way first (close-on-exec, high numbers), so that placing
        // one never overwrites another that is still to be placed.
        var staged: [(target: Int32, temporary: Int32)] = []
        defer { for entry in staged { close(entry.temporary) } }
        for (target, source) in descriptors.sorted(by: { $0.key < $1.key }) {
            let temporary = fcntl(source, F_DUPFD_CLOEXEC, 1000)
            guard temporary >= 0 else { throw SystemCallError("dup of fd \(source)") }
            staged.append((target, temporary))
        }
        for entry in staged {
            posix_spawn_file_actions_adddup2(&actions, entry.temporary, entry.target)
        }
        let firstUnnamed = max(3, (descriptors.keys.max() ?? 2) + 1)
        gh_spawn_file_actions_addclosefrom(&actions, firstUnnamed)

        var childMask = sigset_t()
        sigemptyset(&childMask)
        for signal in heldSignals { sigaddset(&childMask, signal) }
        posix_spawnattr_setsigmask(&attributes, &childMask)
        var defaults = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.sorted(by: { $0.key < $1.key }).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }

        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw SystemCallError("posix_spawn of \(executable)", code: result) }
        return pid
    }
}
