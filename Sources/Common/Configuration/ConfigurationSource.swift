import Foundation

/// The raw `GATEHOUSE_*` values from every source, before validation.
///
/// Precedence, highest first: command-line overrides, the process environment, the `.env`
/// file. A `NAME_FILE` variable supplies `NAME` from a file (Docker secrets).
public struct ConfigurationSource: Sendable {
    public static let prefix = "GATEHOUSE_"
    /// Names the `.env` file; without it `./.env` is read when present.
    public static let dotEnvVariable = "GATEHOUSE_DOTENV"

    public private(set) var values: [String: String]
    public private(set) var problems: [ConfigurationProblem]

    public init(
        environment: [String: String],
        overrides: [String: String] = [:],
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        readFile: (String) throws -> String = ConfigurationSource.readTextFile
    ) {
        var problems: [ConfigurationProblem] = []
        var merged: [String: String] = [:]

        let explicitDotEnv = environment[Self.dotEnvVariable]
        let dotEnvPath = explicitDotEnv ?? (currentDirectory + "/.env")
        if explicitDotEnv != nil || FileManager.default.fileExists(atPath: dotEnvPath) {
            do {
                switch DotEnvParser.parse(try readFile(dotEnvPath)) {
                case .success(let fileValues):
                    merged.merge(fileValues.filter { $0.key.hasPrefix(Self.prefix) }) { _, new in new }
                case .failure(let failure):
                    problems.append(.init(Self.dotEnvVariable, "\(dotEnvPath) line \(failure.line): \(failure.reason)"))
                }
            } catch {
                problems.append(.init(Self.dotEnvVariable, "cannot read \(dotEnvPath)"))
            }
        }
        for (key, value) in environment where key.hasPrefix(Self.prefix) {
            merged[key] = value
        }
        for (key, value) in overrides {
            merged[key] = value
            // A flag beats a secret file for the same setting.
            merged.removeValue(forKey: key + "_FILE")
        }

        for (key, path) in merged where key.hasSuffix("_FILE") && key != Self.dotEnvVariable {
            let target = String(key.dropLast("_FILE".count))
            if merged[target] != nil {
                problems.append(.init(key, "set together with \(target); use one of them"))
                continue
            }
            do {
                var content = try readFile(path)
                while content.hasSuffix("\n") || content.hasSuffix("\r") { content.removeLast() }
                merged[target] = content
            } catch {
                problems.append(.init(key, "cannot read file \(path)"))
            }
            merged.removeValue(forKey: key)
        }
        merged.removeValue(forKey: Self.dotEnvVariable)

        self.values = merged
        self.problems = problems
    }

    /// Reads a whole file as UTF-8 with plain read(2), which also works for `/dev/null`,
    /// pipes and Docker secret mounts (Foundation's readers reject some of these).
    public static func readTextFile(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[..<count])
            // Configuration files are small; refuse to slurp something huge by mistake.
            if bytes.count > 1 << 20 { throw POSIXError(.EFBIG) }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw POSIXError(.EILSEQ) }
        return text
    }

    public subscript(_ name: String) -> String? {
        guard let value = values[name]?.trimmingWhitespace(), !value.isEmpty else { return nil }
        return value
    }
}
