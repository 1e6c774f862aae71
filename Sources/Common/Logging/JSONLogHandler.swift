import Foundation
import Logging

/// A swift-log handler that writes one JSON object per line, the shape the journal and Docker
/// collect: `{"ts":...,"level":...,"logger":...,"msg":...,"pid":...,<metadata>}`.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let output: LogOutput
    private let processID: Int32

    public init(label: String, level: Logger.Level = .info, output: LogOutput = .standardOutput) {
        self.label = label
        self.logLevel = level
        self.output = output
        self.processID = getpid()
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() {
            fields.merge(provided) { _, new in new }
        }
        if let extra = event.metadata {
            fields.merge(extra) { _, new in new }
        }
        var line = JSONLineWriter()
        line.field("ts", .string(Self.timestamp()))
        line.field("level", .string(event.level.rawValue))
        line.field("logger", .string(label))
        line.field("msg", .string(event.message.description))
        line.field("pid", .stringConvertible(processID))
        for key in fields.keys.sorted() where !Self.reservedKeys.contains(key) {
            line.field(key, fields[key]!)
        }
        output.write(line.finish())
    }

    private static let reservedKeys: Set<String> = ["ts", "level", "logger", "msg", "pid"]

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = Int(now.tv_nsec / 1_000_000)
        // Formatted by hand: String(format:) goes through Foundation on every log line.
        func digits(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return digits(Int(parts.tm_year) + 1900, 4) + "-" + digits(Int(parts.tm_mon) + 1, 2) + "-" + digits(Int(parts.tm_mday), 2)
            + "T" + digits(Int(parts.tm_hour), 2) + ":" + digits(Int(parts.tm_min), 2) + ":" + digits(Int(parts.tm_sec), 2)
            + "." + digits(millis, 3) + "Z"
    }
}

extension JSONLogHandler {
    /// Installs JSON logging for the whole process; call once at start-up.
    public static func bootstrap(level: Logger.Level, output: LogOutput = .standardOutput) {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level, output: output) }
    }
}
