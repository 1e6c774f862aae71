import Foundation
import Testing

@testable import Common

/// The settings table against the loader that reads by it.
@Suite struct SettingsTableTests {
    static let minimal = [
        "GATEHOUSE_RESOURCE": "https://mcp.example.com/mcp",
        "GATEHOUSE_ISSUER": "https://auth.example.com/realms/mcp-realm",
    ]

    func source(_ environment: [String: String]) -> ConfigurationSource {
        ConfigurationSource(environment: environment.merging(["GATEHOUSE_DOTENV": "/empty"]) { a, _ in a }, currentDirectory: "/nonexistent") { _ in "" }
    }

    func problems(_ environment: [String: String]) -> [String] {
        ConfigurationLoader.read(source(environment), processorCount: 2).1.problems.map(\.description)
    }

    @Test func namesAreUniqueAndLookLikeSettings() {
        let names = Setting.all.map(\.name)
        #expect(Set(names).count == names.count)
        for name in names {
            #expect(name.hasPrefix(ConfigurationSource.prefix), "\(name)")
            // NAME_FILE is how every setting is read from a file; no setting may be called that.
            #expect(!name.hasSuffix("_FILE"), "\(name)")
        }
        #expect(Set(Setting.internalVariables).isDisjoint(with: names))
        for setting in Setting.all {
            // A clause without its full stop: the generated files follow it with "(type; default)."
            #expect(!setting.help.hasSuffix(".") && !setting.help.hasSuffix(")"), "\(setting.name)")
        }
        #expect(!Setting.knownNames.contains(ConfigurationSource.dotEnvVariable))
    }

    /// A setting in the table that the loader never reads would be documented and ignored.
    @Test func loadingReadsEveryDeclaredSetting() {
        let reader = ConfigurationLoader.read(source(Self.minimal), processorCount: 2).1
        #expect(reader.consulted == Set(Setting.all.map(\.name)))
    }

    /// Each declared default passes its own setting's checks, and writing it out changes nothing.
    @Test func declaredDefaultsAreValidAndAreTheDefaults() throws {
        var explicit = Self.minimal
        for setting in Setting.all {
            if let text = setting.defaultValue.text { explicit[setting.name] = text }
        }
        #expect(problems(explicit) == [])
        let byDefault = try ConfigurationLoader.load(source(Self.minimal), processorCount: 2).configuration
        let written = try ConfigurationLoader.load(source(explicit), processorCount: 2).configuration
        #expect(byDefault == written)
    }

    @Test func secretsAreTextWithoutADefault() {
        let secrets = Setting.all.filter(\.isSecret).map(\.name)
        #expect(Set(secrets) == ["GATEHOUSE_REDIS_PASSWORD", "GATEHOUSE_SHARED_CACHE_KEY", "GATEHOUSE_METRICS_TOKEN"])
        for setting in Setting.all where setting.isSecret {
            #expect(setting.defaultValue.text == nil, "\(setting.name)")
            if case .text = setting.kind {} else { Issue.record("\(setting.name) is a secret but not text") }
        }
    }

    /// Ranges come from the table: both ends are accepted, one past either end is refused.
    @Test func everyRangeIsEnforcedAsDeclared() {
        for setting in Setting.all {
            var inside: [String] = []
            var outside: [String] = []
            switch setting.kind {
            case .wholeNumber(let range):
                inside = [String(range.lowerBound), String(range.upperBound)]
                outside = [String(range.lowerBound - 1), String(range.upperBound + 1)]
            case .seconds(let range):
                inside = [range.lowerBound.settingText, range.upperBound.settingText]
                outside = [String(range.lowerBound - 0.05), String(range.upperBound + 1)]
            default:
                continue
            }
            for value in inside {
                #expect(problems(Self.minimal.merging([setting.name: value]) { _, new in new }) == [], "\(setting.name)=\(value)")
            }
            for value in outside {
                let lines = problems(Self.minimal.merging([setting.name: value]) { _, new in new })
                #expect(lines.count == 1 && lines[0].hasPrefix("\(setting.name): '\(value)' is not a"), "\(setting.name)=\(value): \(lines)")
            }
        }
    }

    @Test func choicesComeFromTheTypesThatGiveThemMeaning() {
        for setting in Setting.all {
            guard case .choice(let words) = setting.kind else { continue }
            for word in words {
                #expect(problems(Self.minimal.merging([setting.name: word.uppercased()]) { _, new in new }) == [], "\(setting.name)=\(word)")
            }
            #expect(problems(Self.minimal.merging([setting.name: "neither"]) { _, new in new })
                == ["\(setting.name): 'neither' is not one of the accepted values"])
        }
    }
}
