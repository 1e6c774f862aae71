/// A deployment's environment file, generated from the settings table plus what is particular
/// to that deployment: the values it sets, notes an operator needs there, settings it leaves
/// out. Every setting without an entry is listed commented out, with its help and default.
public struct ExampleFile: Sendable {
    /// The file in the repository this renders (`gatehouse settings` and its tests name it).
    public var path: String
    /// The opening comment: what the file is and how the deployment reads it.
    public var header: [String]
    /// Verbatim lines between the header and the settings: another program's variables.
    public var preamble: [String] = []
    public var entries: [Setting: Entry] = [:]
    /// Whether secrets are listed at all (as empty, commented lines): not where a secret can
    /// never be set, such as a ConfigMap.
    public var listsSecrets = true

    public struct Entry: Sendable {
        public var line: Line
        /// Verbatim comment lines, after the setting's help.
        public var notes: [String]

        public static func active(_ value: String, notes: [String] = []) -> Entry { Entry(line: .active(value), notes: notes) }
        public static func example(_ value: String, notes: [String] = []) -> Entry { Entry(line: .example(value), notes: notes) }
        public static func secretFile(_ path: String, notes: [String] = []) -> Entry { Entry(line: .secretFile(path), notes: notes) }
        public static func notes(_ notes: [String]) -> Entry { Entry(line: .commented, notes: notes) }
        public static let omitted = Entry(line: .omitted, notes: [])
    }

    public enum Line: Sendable, Equatable {
        /// `# NAME=<default>`.
        case commented
        /// `# NAME=<value>`: a value worth showing here that is not the default.
        case example(String)
        /// `NAME=<value>`: what this deployment sets.
        case active(String)
        /// `# NAME=`, then `# NAME_FILE=<path>`: where this deployment keeps the secret.
        case secretFile(String)
        /// Not in this file; the header says why.
        case omitted
    }

    /// Comments are wrapped to this many columns.
    static let width = 96

    /// The file's text.
    public func render() -> String {
        var lines = header.map(Self.comment)
        if !preamble.isEmpty {
            lines += [""] + preamble
        }
        for section in SettingSection.allCases {
            let settings = Setting.all.filter { setting in
                setting.section == section && entries[setting]?.line != .omitted && (listsSecrets || !setting.isSecret)
            }
            guard !settings.isEmpty else { continue }
            lines += ["", Self.sectionRule(section.title)]
            for setting in settings {
                lines += [""] + block(for: setting)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func block(for setting: Setting) -> [String] {
        let entry = entries[setting] ?? .notes([])
        let facts = [setting.kind.plainSummary, setting.defaultValue.plainSummary].compactMap { $0 }.joined(separator: "; ")
        var lines = Self.wrap(Self.plain(setting.help) + " (" + facts + ").")
        if setting.isSecret {
            lines += Self.wrap("A secret: never a value in this file; \(setting.fileVariant) names a file that holds it.")
        }
        lines += entry.notes.map(Self.comment)
        switch entry.line {
        case .commented:
            lines.append("# \(setting.name)=\(setting.isSecret ? "" : setting.defaultValue.text ?? "")")
        case .example(let value):
            precondition(!setting.isSecret, "\(path): \(setting.name) is a secret and gets no value")
            lines.append("# \(setting.name)=\(value)")
        case .active(let value):
            precondition(!setting.isSecret, "\(path): \(setting.name) is a secret and gets no value")
            lines.append("\(setting.name)=\(value)")
        case .secretFile(let file):
            lines += ["# \(setting.name)=", "# \(setting.fileVariant)=\(file)"]
        case .omitted:
            break
        }
        return lines
    }

    private static func comment(_ line: String) -> String {
        line.isEmpty ? "#" : "# " + line
    }

    private static func sectionRule(_ title: String) -> String {
        let start = "# --- \(title) "
        return start + String(repeating: "-", count: max(3, width - start.count))
    }

    /// Markdown's code spans become plain text in a comment.
    static func plain(_ text: String) -> String {
        text.replacingOccurrences(of: "`", with: "")
    }

    /// Greedy word wrap into `# ` comment lines of at most `width` columns.
    static func wrap(_ text: String) -> [String] {
        var lines: [String] = []
        var current = "#"
        for word in text.split(separator: " ") {
            if current.count + 1 + word.count > width && current != "#" {
                lines.append(current)
                current = "#"
            }
            current += " " + word
        }
        if current != "#" { lines.append(current) }
        return lines
    }
}

extension SettingKind {
    /// The summary for a comment, or nil when it would say nothing ("text").
    var plainSummary: String? {
        if case .text(0) = self { return nil }
        return ExampleFile.plain(summary)
    }
}

extension SettingDefault {
    /// "default: 30", "required", ...: for a comment.
    var plainSummary: String {
        switch self {
        case .required: return "required"
        case .value(let text): return "default: \(text)"
        case .unset(let meaning): return "unset: " + ExampleFile.plain(meaning)
        case .computed(let origin): return "default: " + ExampleFile.plain(origin)
        }
    }
}
