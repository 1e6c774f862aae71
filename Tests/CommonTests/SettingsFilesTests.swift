import Testing

@testable import Common

/// The files generated from the settings table: every setting where it belongs, no secret with
/// a value. (Tests/Python/test_settings.py checks the committed copies against them.)
@Suite struct SettingsFilesTests {
    @Test func exampleFilesNeverGiveASecretAValue() {
        for file in [ExampleFile.compose, .systemd, .kubernetes] {
            let text = file.render()
            for setting in Setting.all where setting.isSecret {
                for line in text.split(separator: "\n") where line.contains("\(setting.name)=") {
                    #expect(line == "# \(setting.name)=", "\(file.path): \(line)")
                }
            }
        }
    }

    @Test func exampleFilesListEverySettingTheyDoNotLeaveOut() {
        for file in [ExampleFile.compose, .systemd, .kubernetes] {
            let text = file.render()
            for setting in Setting.all {
                let left = file.entries[setting]?.line == .omitted || (setting.isSecret && !file.listsSecrets)
                let listed = text.contains("\n\(setting.name)=") || text.contains("\n# \(setting.name)=")
                #expect(listed != left, "\(file.path): \(setting.name)")
            }
            // Comments stay readable in a terminal; only a NAME=value line may run longer.
            for line in text.split(separator: "\n") where !line.contains("=") {
                #expect(line.count <= 100, "\(file.path): \(line)")
            }
        }
    }

    @Test func theReferenceHasARowPerSetting() {
        let page = SettingsReference.render()
        for setting in Setting.all {
            #expect(page.contains("| `\(setting.name)` |"), "\(setting.name)")
        }
        #expect(!page.contains("``"))
    }
}
