import Foundation

/// Parses the `.env` format Docker Compose and systemd `EnvironmentFile=` share:
/// `KEY=value` lines, `#` comments, optional `export `, single or double quotes.
public enum DotEnvParser {
    public struct Failure: Error, Sendable, Equatable {
        public var line: Int
        public var reason: String
    }

    public static func parse(_ text: String) -> Result<[String: String], Failure> {
        var values: [String: String] = [:]
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst("export ".count)).trimmingWhitespace() }
            guard let equals = line.firstIndex(of: "=") else {
                return .failure(Failure(line: lineNumber, reason: "expected KEY=value"))
            }
            let key = line[..<equals].trimmingWhitespace()
            guard isValidKey(key) else {
                return .failure(Failure(line: lineNumber, reason: "invalid variable name"))
            }
            var value = line[line.index(after: equals)...].trimmingWhitespace()
            if let quote = value.first, quote == "\"" || quote == "'" {
                guard value.count >= 2, value.last == quote else {
                    return .failure(Failure(line: lineNumber, reason: "unterminated quote"))
                }
                value = String(value.dropFirst().dropLast())
                if quote == "\"" {
                    value = value.replacingEscapes()
                }
            } else if let comment = value.range(of: " #") {
                value = value[..<comment.lowerBound].trimmingWhitespace()
            }
            values[key] = value
        }
        return .success(values)
    }

    private static func isValidKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else {
            return false
        }
        return key.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}

extension String {
    fileprivate func replacingEscapes() -> String {
        var result = ""
        var escaping = false
        for character in self {
            if escaping {
                switch character {
                case "n": result.append("\n")
                case "t": result.append("\t")
                default: result.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }
}
