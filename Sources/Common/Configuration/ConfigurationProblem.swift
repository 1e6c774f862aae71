/// One reason a configuration was refused, rendered as a single line that names the variable.
public struct ConfigurationProblem: Sendable, Hashable, CustomStringConvertible {
    public var variable: String
    public var message: String

    public init(_ variable: String, _ message: String) {
        self.variable = variable
        self.message = message
    }

    public var description: String { "\(variable): \(message)" }
}

/// Thrown when a configuration cannot be used; start-up prints each problem and exits 78.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// `EX_CONFIG` from sysexits.h: systemd and operators recognise it as "fix the configuration".
    public static let exitCode: Int32 = 78

    public var problems: [ConfigurationProblem]

    public init(problems: [ConfigurationProblem]) {
        self.problems = problems
    }

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
