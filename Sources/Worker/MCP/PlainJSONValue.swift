import MCP

/// Any JSON value as the SDK's `Value`, read without the SDK's own decoding, which turns a
/// string that looks like a `data:` URL into binary data (changing what a tool receives) and
/// compiles a regular expression for every string it meets. A string stays the string the
/// client sent; a number is `.int` when an `Int` holds it exactly, `.double` otherwise.
enum PlainJSONValue {
    /// A whole document as a value; nil when it is not JSON (or holds a number no Double holds).
    static func decode(_ json: some Collection<UInt8>) -> Value? {
        try? JSONReader.withBuffer(json) { buffer throws(JSONReadError) in
            try JSONReader.read(buffer) { reader throws(JSONReadError) in try reader.readPlainValue() }
        }
    }
}

extension JSONReader {
    /// The next value; a number beyond a Double's range makes it an error (after the value is read).
    mutating func readPlainValue() throws(JSONReadError) -> Value {
        var outOfRange = false
        let value = try readPlainValue(outOfRange: &outOfRange)
        if outOfRange { throw .numberOutOfRange }
        return value
    }

    /// The next value, always read to its end, so a caller can refuse it and carry on reading
    /// the document around it; `outOfRange` tells of a number a Double cannot hold.
    mutating func readPlainValue(outOfRange: inout Bool) throws(JSONReadError) -> Value {
        switch try kind() {
        case .string:
            return .string(try readString())
        case .null:
            try readNull()
            return .null
        case .bool:
            return .bool(try readBool())
        case .number:
            let number = try readNumber()
            if let integer = number.exactInteger() { return .int(integer) }
            guard let double = try? number.double() else {
                outOfRange = true
                return .null
            }
            return .double(double)
        case .object:
            var members: [String: Value] = [:]
            try readObject { reader, name throws(JSONReadError) in
                members[name.string] = try reader.readPlainValue(outOfRange: &outOfRange)
            }
            return .object(members)
        case .array:
            var elements: [Value] = []
            try readArray { reader throws(JSONReadError) in
                elements.append(try reader.readPlainValue(outOfRange: &outOfRange))
            }
            return .array(elements)
        }
    }
}
