/// `application/x-www-form-urlencoded` decoding, for token requests and Basic credentials.
enum FormURLEncoding {
    /// Parameters of a form body, or nil when the body is malformed or repeats a parameter
    /// (RFC 6749 §3.2: request parameters must not be included more than once).
    static func parameters(_ body: [UInt8]) -> [String: String]? {
        var result: [String: String] = [:]
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), !name.isEmpty else { return nil }
            guard let value = parts.count == 2 ? decode(parts[1]) : "" else { return nil }
            guard result.updateValue(value, forKey: name) == nil else { return nil }
        }
        return result
    }

    /// Percent-decodes one component, `+` meaning space; nil on a bad escape or invalid UTF-8.
    static func decode(_ component: some Collection<UInt8>) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(component.count)
        var iterator = component.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
