import Logging

/// Builds one log line, a JSON object, from swift-log metadata; strings pass the secret
/// redactor on the way.
struct JSONLineWriter {
    private var output = JSONWriter(capacity: 256)
    private var first = true

    init() {
        output.raw(UInt8(ascii: "{"))
    }

    mutating func field(_ key: String, _ value: Logger.Metadata.Value) {
        if !first { output.raw(UInt8(ascii: ",")) }
        first = false
        output.string(key)
        output.raw(UInt8(ascii: ":"))
        append(value)
    }

    /// Every field of `metadata` in key order, except `skipping`'s.
    mutating func fields(_ metadata: Logger.Metadata, skipping reserved: Set<String>) {
        for key in metadata.keys.sorted() where !reserved.contains(key) {
            field(key, metadata[key]!)
        }
    }

    mutating func finish() -> [UInt8] {
        output.raw("}\n")
        return output.bytes
    }

    private mutating func append(_ value: Logger.Metadata.Value) {
        switch value {
        case .string(let text):
            output.string(SecretRedactor.redact(text))
        case .stringConvertible(let convertible):
            // Concrete casts first: a cast to an existential costs far more, on every field.
            if let number = convertible as? Int {
                output.number(number)
            } else if let double = convertible as? Double, double.isFinite {
                output.number(double)
            } else if let number = convertible as? any BinaryInteger {
                output.raw("\(number)")
            } else if let flag = convertible as? Bool {
                output.bool(flag)
            } else {
                output.string(SecretRedactor.redact(convertible.description))
            }
        case .array(let values):
            output.raw(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { output.raw(UInt8(ascii: ",")) }
                append(element)
            }
            output.raw(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            output.raw(UInt8(ascii: "{"))
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { output.raw(UInt8(ascii: ",")) }
                output.string(key)
                output.raw(UInt8(ascii: ":"))
                append(dictionary[key]!)
            }
            output.raw(UInt8(ascii: "}"))
        }
    }
}
