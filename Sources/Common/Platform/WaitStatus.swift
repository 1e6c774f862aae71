/// How a child ended, decoded from `waitpid`'s status (`WIFEXITED` and friends are C macros).
public enum WaitStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32, coreDumped: Bool)
    case stopped(Int32)

    public init(rawValue status: Int32) {
        let low = status & 0x7F
        if low == 0 {
            self = .exited((status >> 8) & 0xFF)
        } else if low == 0x7F {
            self = .stopped((status >> 8) & 0xFF)
        } else {
            self = .signaled(low, coreDumped: status & 0x80 != 0)
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signaled(let signal, let core): "signal \(SignalName.of(signal))\(core ? " (core dumped)" : "")"
        case .stopped(let signal): "stopped by \(SignalName.of(signal))"
        }
    }
}

public enum SignalName {
    public static func of(_ signal: Int32) -> String {
        switch signal {
        case 1: "SIGHUP"
        case 2: "SIGINT"
        case 3: "SIGQUIT"
        case 4: "SIGILL"
        case 6: "SIGABRT"
        case 7: "SIGBUS"
        case 8: "SIGFPE"
        case 9: "SIGKILL"
        case 10: "SIGUSR1"
        case 11: "SIGSEGV"
        case 12: "SIGUSR2"
        case 13: "SIGPIPE"
        case 14: "SIGALRM"
        case 15: "SIGTERM"
        case 17: "SIGCHLD"
        case 21: "SIGTTIN"
        case 22: "SIGTTOU"
        default: "signal \(signal)"
        }
    }
}
