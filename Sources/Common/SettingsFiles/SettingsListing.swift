import Foundation

/// The settings table as JSON, for tools and tests that need the declarations themselves
/// (`gatehouse settings --format json`).
public enum SettingsListing {
    struct Entry: Encodable {
        var name: String
        var section: String
        var value: String
        var required: Bool
        /// The text the loader falls back to; null when there is none (unset, computed, required).
        var `default`: String?
        var defaultMeaning: String
        var secret: Bool
        var help: String
    }

    struct Listing: Encodable {
        var settings: [Entry]
        /// Set by Gatehouse for itself: known, never an operator's.
        var `internal`: [String]
    }

    public static func render() -> String {
        let listing = Listing(
            settings: Setting.all.map { setting in
                Entry(
                    name: setting.name, section: setting.section.rawValue, value: ExampleFile.plain(setting.kind.summary),
                    required: setting.defaultValue == .required, default: setting.defaultValue.text,
                    defaultMeaning: setting.defaultValue.plainSummary, secret: setting.isSecret,
                    help: ExampleFile.plain(setting.help))
            },
            internal: Setting.internalVariables)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and booleans cannot fail.
        let data = (try? encoder.encode(listing)) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
