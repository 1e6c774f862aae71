/// Request ids: a caller's `X-Request-ID` when it is well-formed, otherwise a fresh random one.
enum RequestID {
    static let headerName = "X-Request-ID"
    static let maximumLength = 128

    static func accept(_ candidate: String?) -> String {
        if let candidate, isWellFormed(candidate) { return candidate }
        return generate()
    }

    /// Letters, digits and `-_.:` only, so an id can never smuggle a log injection or a header.
    static func isWellFormed(_ candidate: String) -> Bool {
        let bytes = candidate.utf8
        guard !bytes.isEmpty, bytes.count <= maximumLength else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: ":"):
                return true
            default:
                return false
            }
        }
    }

    /// 128 random bits as 32 lowercase hex digits, written straight into the string's storage.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return String(unsafeUninitializedCapacity: 32) { buffer in
            for index in 0..<32 {
                let word = index < 16 ? high : low
                let nibble = UInt8(truncatingIfNeeded: word >> UInt64(60 - 4 * (index % 16))) & 0xF
                buffer[index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
            }
            return 32
        }
    }
}
