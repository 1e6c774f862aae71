public enum GatehouseVersion { public static let current = "0.1.0" }
