/// One `GATEHOUSE_*` setting, declared once in the settings table (`SettingsTable.swift`).
///
/// The loader reads a setting through its declaration (type, range and default come from
/// here), and `gatehouse settings` generates docs/configuration.md and the deployments'
/// example files from the same declarations, so none of them can disagree with validation.
public struct Setting: Sendable, Hashable {
    public var name: String
    public var kind: SettingKind
    public var defaultValue: SettingDefault
    /// A credential: it never gets a value in a generated file and is never logged; the usual
    /// way to set it is `NAME_FILE` (a Docker secret, a systemd credential, a mounted Secret).
    public var isSecret: Bool
    public var section: SettingSection
    /// One sentence for operators, without the type and default (those come from `kind`
    /// and `defaultValue`).
    public var help: String

    public init(
        _ name: String, _ kind: SettingKind, default defaultValue: SettingDefault, secret: Bool = false,
        section: SettingSection, help: String
    ) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.isSecret = secret
        self.section = section
        self.help = help
    }

    /// The variable that names a file holding the value (`ConfigurationSource` reads it).
    public var fileVariant: String { name + "_FILE" }
}
