/// The groups the documentation and the example files list the settings in, in this order.
public enum SettingSection: String, Sendable, Hashable, CaseIterable {
    case identity
    case processes
    case requests
    case keys
    case metrics
    case metadata
    case development

    public var title: String {
        switch self {
        case .identity: return "Identity and tokens"
        case .processes: return "Processes and logs"
        case .requests: return "Requests and connections"
        case .keys: return "Keys, Redis and caches"
        case .metrics: return "Metrics"
        case .metadata: return "Metadata"
        case .development: return "Development and tests"
        }
    }
}
