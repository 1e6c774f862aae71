/// Appends JSON text to a byte buffer: strings escaped per RFC 8259, numbers as Swift prints
/// them. The building block for output on hot paths (log lines, MCP replies), where Foundation's
/// Codable encoder costs more than the work it wraps.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Text that is already JSON (punctuation, literals, a document encoded elsewhere).
    public mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    public mutating func raw(_ byte: UInt8) {
        bytes.append(byte)
    }

    /// Bytes that are already JSON.
    public mutating func raw(_ json: [UInt8]) {
        bytes.append(contentsOf: json)
    }

    public mutating func string(_ text: String) {
        var text = text
        // On the contiguous UTF-8 (making it so if needed): scanning through String.UTF8View's
        // iterator was most of a log line's string cost.
        text.withUTF8 { utf8 in
            bytes.append(UInt8(ascii: "\""))
            // Nearly every string needs no escaping: copy it whole.
            if !utf8.contains(where: Self.needsEscape) {
                bytes.append(contentsOf: utf8)
            } else {
                for byte in utf8 { escape(byte) }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }

    public mutating func number(_ value: Int) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Finite numbers as Swift prints them (valid JSON); JSON has no infinity or NaN: null.
    public mutating func number(_ value: Double) {
        if value.isFinite {
            bytes.append(contentsOf: "\(value)".utf8)
        } else {
            raw("null")
        }
    }

    public mutating func bool(_ value: Bool) {
        raw(value ? "true" : "false")
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0..<0x20, 0x7F:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [
                UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                hex[Int(byte >> 4)], hex[Int(byte & 0xF)],
            ])
        default: bytes.append(byte)
        }
    }
}
