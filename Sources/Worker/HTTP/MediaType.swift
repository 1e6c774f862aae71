/// Media-type checks on raw `Content-Type` and `Accept` values, byte by byte: they run on every
/// MCP request, and Foundation's split-trim-lowercase made them a visible share of one.
enum MediaType {
    /// Whether `value` (one media type, maybe with parameters) names `expected` (lowercase).
    static func value(_ value: String, is expected: String) -> Bool {
        essence(value.utf8[...]).elementsEqual(expected.utf8) { $0 | asciiLowercaseBit(for: $0) == $1 }
    }

    /// The one rule for a JSON body, on every route: `application/json` or a `+json` type, with
    /// or without parameters.
    static func isJSON(_ value: String) -> Bool {
        let type = essence(value.utf8[...])
        let lowered = type.map { $0 | asciiLowercaseBit(for: $0) }
        return lowered.elementsEqual("application/json".utf8)
            || (lowered.starts(with: "application/".utf8) && lowered.reversed().starts(with: "nosj+".utf8))
    }

    /// Whether an `Accept` list allows any of `acceptable` (lowercase), wildcards not included.
    static func accept(_ value: String, allowsAnyOf acceptable: [String]) -> Bool {
        value.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true).contains { item in
            let type = essence(item)
            return acceptable.contains { candidate in
                type.elementsEqual(candidate.utf8) { $0 | asciiLowercaseBit(for: $0) == $1 }
            }
        }
    }

    /// `type/subtype` without parameters and surrounding whitespace.
    private static func essence<Bytes: BidirectionalCollection<UInt8>>(_ bytes: Bytes) -> Bytes.SubSequence {
        let beforeParameters = bytes.prefix(while: { $0 != UInt8(ascii: ";") })
        var start = beforeParameters.startIndex
        var end = beforeParameters.endIndex
        while start < end, isWhitespace(bytes[start]) { start = bytes.index(after: start) }
        while end > start, isWhitespace(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        return bytes[start..<end]
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    /// Sets bit 0x20 on ASCII letters only, so `/` and `+` compare as themselves.
    private static func asciiLowercaseBit(for byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? 0x20 : 0
    }
}
