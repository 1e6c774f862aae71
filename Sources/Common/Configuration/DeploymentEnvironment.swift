public enum DeploymentEnvironment: String, Sendable, Hashable, CaseIterable {
    case development
    case production
}
