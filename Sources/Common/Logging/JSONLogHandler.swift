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
        var line = JSONLineWriter()
        line.field("ts", .string(Self.timestamp()))
        line.field("level", .string(event.level.rawValue))
        line.field("logger", .string(label))
        line.field("msg", .string(event.message.description))
        line.field("pid", .stringConvertible(processID))
        // Most lines carry only their own metadata: skip building a merged copy for them.
        let provided = metadataProvider?.get() ?? [:]
        if metadata.isEmpty && provided.isEmpty {
            line.fields(event.metadata ?? [:], skipping: Self.reservedKeys)
        } else {
            var fields = metadata
            fields.merge(provided) { _, new in new }
            if let extra = event.metadata {
                fields.merge(extra) { _, new in new }
            }
            line.fields(fields, skipping: Self.reservedKeys)
        }
        output.write(line.finish())
    }

    private static let reservedKeys: Set<String> = ["ts", "level", "logger", "msg", "pid"]

    /// RFC 3339 UTC with milliseconds, written digit by digit: String(format:) goes through
    /// Foundation, and string concatenation was a visible share of every line.
    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var index = 0
            func put(_ value: Int, width: Int, then separator: Character) {
                var rest = value
                for position in stride(from: index + width - 1, through: index, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                buffer[index + width] = separator.asciiValue!
                index += width + 1
            }
            put(Int(parts.tm_year) + 1900, width: 4, then: "-")
            put(Int(parts.tm_mon) + 1, width: 2, then: "-")
            put(Int(parts.tm_mday), width: 2, then: "T")
            put(Int(parts.tm_hour), width: 2, then: ":")
            put(Int(parts.tm_min), width: 2, then: ":")
            put(Int(parts.tm_sec), width: 2, then: ".")
            put(Int(now.tv_nsec / 1_000_000), width: 3, then: "Z")
            return index
        }
    }
}

extension JSONLogHandler {
    /// Installs JSON logging for the whole process; call once at start-up.
    public static func bootstrap(level: Logger.Level, output: LogOutput = .standardOutput) {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level, output: output) }
    }
}
