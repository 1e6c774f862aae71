/// Finds an object with the same member name twice anywhere in a JSON document. RFC 7515 §4
/// and RFC 8725 §3.11 want such a JOSE header (or claims set) refused; JSON decoders keep one
/// of the two silently, and which one differs between parsers, so two readers of one token
/// could see two different tokens. Names are compared after unescaping (`"a"` and `"\u0061"`
/// are one name). Returns nil for a document that is not JSON: the decoder reports that.
enum DuplicateMembers {
    /// Whether some object in `json` repeats a member name; nil when `json` is not valid JSON.
    static func found(in json: [UInt8]) -> Bool? {
        var scanner = Scanner(bytes: json)
        guard let duplicate = scanner.value(depth: 0) else { return nil }
        scanner.skipWhitespace()
        return scanner.position == json.count ? duplicate : nil
    }

    /// Deep enough for any token, shallow enough that no input can exhaust the stack.
    static let maximumDepth = 64

    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        mutating func skipWhitespace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        /// Scans one value; true when it (or something inside it) repeats a name, nil on bad JSON.
        mutating func value(depth: Int) -> Bool? {
            guard depth < DuplicateMembers.maximumDepth else { return nil }
            skipWhitespace()
            guard position < bytes.count else { return nil }
            switch bytes[position] {
            case UInt8(ascii: "{"): return object(depth: depth)
            case UInt8(ascii: "["): return array(depth: depth)
            case UInt8(ascii: "\""): return string() == nil ? nil : false
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            default: return number()
            }
        }

        private mutating func object(depth: Int) -> Bool? {
            position += 1
            var names = Set<[UInt8]>()
            var duplicate = false
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return false
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\""), let name = string() else { return nil }
                if !names.insert(name).inserted { duplicate = true }
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { return nil }
                position += 1
                guard let inner = value(depth: depth + 1), let closed = separator(closing: UInt8(ascii: "}")) else { return nil }
                duplicate = duplicate || inner
                if closed { return duplicate }
            }
        }

        private mutating func array(depth: Int) -> Bool? {
            position += 1
            var duplicate = false
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return false
            }
            while true {
                guard let inner = value(depth: depth + 1), let closed = separator(closing: UInt8(ascii: "]")) else { return nil }
                duplicate = duplicate || inner
                if closed { return duplicate }
            }
        }

        /// After a member or element: a comma (false), the closing bracket (true), or bad JSON (nil).
        private mutating func separator(closing: UInt8) -> Bool? {
            skipWhitespace()
            guard position < bytes.count else { return nil }
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: ","): return false
            case closing: return true
            default: return nil
            }
        }

        /// The string's value as UTF-8 (escapes resolved), or nil when it is malformed.
        private mutating func string() -> [UInt8]? {
            position += 1
            var value: [UInt8] = []
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return value
                case UInt8(ascii: "\\"):
                    guard position < bytes.count else { return nil }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): value.append(escape)
                    case UInt8(ascii: "b"): value.append(0x08)
                    case UInt8(ascii: "f"): value.append(0x0C)
                    case UInt8(ascii: "n"): value.append(0x0A)
                    case UInt8(ascii: "r"): value.append(0x0D)
                    case UInt8(ascii: "t"): value.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let scalar = unicodeEscape() else { return nil }
                        value.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: return nil
                    }
                case 0..<0x20:
                    return nil
                default:
                    value.append(byte)
                }
            }
            return nil
        }

        /// `\uXXXX` (the `\u` consumed), joining a surrogate pair; lone surrogates become U+FFFD.
        private mutating func unicodeEscape() -> Unicode.Scalar? {
            guard let high = hex4() else { return nil }
            if (0xD800...0xDBFF).contains(high), position + 6 <= bytes.count,
                bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
            {
                let mark = position
                position += 2
                if let low = hex4(), (0xDC00...0xDFFF).contains(low) {
                    return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                }
                position = mark
            }
            return Unicode.Scalar(high) ?? "\u{FFFD}"
        }

        private mutating func hex4() -> UInt32? {
            guard position + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for byte in bytes[position..<(position + 4)] {
                guard let digit = hexValue(byte) else { return nil }
                value = value << 4 | digit
            }
            position += 4
            return value
        }

        private func hexValue(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        private mutating func literal(_ text: String) -> Bool? {
            let expected = text.utf8
            guard position + expected.count <= bytes.count,
                bytes[position..<(position + expected.count)].elementsEqual(expected)
            else { return nil }
            position += expected.count
            return false
        }

        /// A JSON number's characters; its exact grammar is the decoder's to enforce.
        private mutating func number() -> Bool? {
            let start = position
            while position < bytes.count, "+-.0123456789eE".utf8.contains(bytes[position]) { position += 1 }
            return position > start ? false : nil
        }
    }
}
