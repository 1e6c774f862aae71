/// What a setting is when the operator does not set it.
public enum SettingDefault: Sendable, Hashable {
    /// Start-up stops until it is set.
    case required
    /// This text, as an operator would write it; the loader reads it through the same checks.
    case value(String)
    /// Nothing: the feature it configures is off. The text says what that means.
    case unset(meaning: String)
    /// Worked out at start-up from something else (the CPU count, another setting); the text
    /// says from what.
    case computed(String)

    /// The text the loader falls back to, when there is one.
    public var text: String? {
        if case .value(let text) = self { return text }
        return nil
    }
}
