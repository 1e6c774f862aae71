public enum GatehouseVersion {
    public static let current = "0.1.0"

    /// The compiler this build came from, for `gatehouse_build_info` and `--version`.
    public static let swift: String = {
        #if compiler(>=6.4)
        return ">=6.4"
        #elseif compiler(>=6.3.1)
        return "6.3.1"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #else
        return "<6.2"
        #endif
    }()
}
