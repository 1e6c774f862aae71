public enum DeploymentEnvironment: String, Sendable, Hashable {
    case development
    case production
}
