import Logging

/// Builds one JSON object as bytes without Foundation's encoder: logging sits on the request path.
struct JSONLineWriter {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]
    private var first = true

    init() {
        bytes.reserveCapacity(256)
    }

    mutating func field(_ key: String, _ value: Logger.Metadata.Value) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        appendString(key)
        bytes.append(UInt8(ascii: ":"))
        append(value)
    }

    mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    private mutating func append(_ value: Logger.Metadata.Value) {
        switch value {
        case .string(let text):
            appendString(SecretRedactor.redact(text))
        case .stringConvertible(let convertible):
            if let number = convertible as? any BinaryInteger {
                bytes.append(contentsOf: "\(number)".utf8)
            } else if let flag = convertible as? Bool {
                bytes.append(contentsOf: (flag ? "true" : "false").utf8)
            } else if let double = convertible as? Double, double.isFinite {
                bytes.append(contentsOf: "\(double)".utf8)
            } else {
                appendString(SecretRedactor.redact(convertible.description))
            }
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                append(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                appendString(key)
                bytes.append(UInt8(ascii: ":"))
                append(dictionary[key]!)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private mutating func appendString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
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
        bytes.append(UInt8(ascii: "\""))
    }
}
