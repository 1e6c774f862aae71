/// A JSON string as it stands in the document, already checked by the reader: its bytes
/// between the quotes and whether they hold escapes. Most names and values have none, so
/// they are compared and turned into a `String` without unescaping.
struct JSONMemberName {
    let raw: UnsafeBufferPointer<UInt8>
    let hasEscapes: Bool

    /// Whether the string is `key` (compared after unescaping).
    func matches(_ key: StaticString) -> Bool {
        let expected = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        guard hasEscapes else { return raw.count == expected.count && raw.elementsEqual(expected) }
        return unescaped().elementsEqual(expected)
    }

    /// Whether the string is `key` (compared after unescaping), for keys known only at run time.
    func matches(_ key: String) -> Bool {
        var key = key
        return key.withUTF8 { expected in
            hasEscapes ? unescaped().elementsEqual(expected) : raw.count == expected.count && raw.elementsEqual(expected)
        }
    }

    /// The same string after unescaping, whichever way each was written.
    func sameString(as other: JSONMemberName) -> Bool {
        if !hasEscapes && !other.hasEscapes { return raw.count == other.raw.count && raw.elementsEqual(other.raw) }
        return unescaped() == other.unescaped()
    }

    var string: String {
        hasEscapes ? String(decoding: unescaped(), as: UTF8.self) : String(decoding: raw, as: UTF8.self)
    }

    /// The UTF-8 the string stands for. The reader has checked the escapes, so they are well-formed here.
    func unescaped() -> [UInt8] {
        guard hasEscapes else { return Array(raw) }
        var value: [UInt8] = []
        value.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            index += 1
            guard byte == UInt8(ascii: "\\") else {
                value.append(byte)
                continue
            }
            let escape = raw[index]
            index += 1
            switch escape {
            case UInt8(ascii: "b"): value.append(0x08)
            case UInt8(ascii: "f"): value.append(0x0C)
            case UInt8(ascii: "n"): value.append(0x0A)
            case UInt8(ascii: "r"): value.append(0x0D)
            case UInt8(ascii: "t"): value.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(at: index)
                index += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (hex4(at: index + 2) - 0xDC00)
                    index += 6
                }
                value.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar) ?? "\u{FFFD}")!)
            default: value.append(escape)  // `"`, `\`, `/`
            }
        }
        return value
    }

    private func hex4(at index: Int) -> UInt32 {
        (index..<index + 4).reduce(0) { value, position in value << 4 | (Self.hexValue(raw[position]) ?? 0) }
    }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}

/// The member names of one object, for finding a repeated one. Objects in tokens have a few
/// dozen members at most: they are compared pairwise; a larger object (an attacker's) is
/// checked through a set, so no input makes this quadratic.
struct JSONMemberNames {
    private static let pairwiseLimit = 32
    private var names: [JSONMemberName] = []
    private var decoded: Set<[UInt8]>?

    /// False when the object already has a member of this name.
    mutating func insert(_ name: JSONMemberName) -> Bool {
        if decoded != nil { return decoded!.insert(name.unescaped()).inserted }
        for seen in names where seen.sameString(as: name) { return false }
        if names.count < Self.pairwiseLimit {
            names.append(name)
        } else {
            decoded = Set(names.map { $0.unescaped() })
            names = []
            return decoded!.insert(name.unescaped()).inserted
        }
        return true
    }
}
