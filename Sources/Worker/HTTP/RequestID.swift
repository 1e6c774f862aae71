/// Request ids: a caller's `X-Request-ID` when it is well-formed, otherwise a fresh one.
enum RequestID {
    static let headerName = "X-Request-ID"
    static let maximumLength = 128

    static func accept(_ candidate: String?, generator: inout Generator) -> String {
        if let candidate, isWellFormed(candidate) { return candidate }
        return generator.next()
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

    /// Ids for one connection: seeded once from the system's generator, then each id is two
    /// 64-bit mixes of a counter. Distinct on the connection (the mix is a bijection), unrelated
    /// across connections (128 seed bits), and no `getrandom` call per request: that call was a
    /// visible share of a small request's cost. An id names a request in the logs; it is not a
    /// secret, so it need not be unpredictable.
    struct Generator {
        private var seeds: (UInt64, UInt64)
        private var counter: UInt64 = 0

        init() {
            var system = SystemRandomNumberGenerator()
            seeds = (system.next(), system.next())
        }

        mutating func next() -> String {
            counter &+= 1
            return RequestID.hex(high: Self.mix(seeds.0 &+ counter), low: Self.mix(seeds.1 &+ counter))
        }

        /// SplitMix64's finalizer: a bijection on 64 bits that spreads every input bit.
        private static func mix(_ value: UInt64) -> UInt64 {
            var z = value
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// 32 lowercase hex digits, written straight into the string's storage.
    static func hex(high: UInt64, low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 32) { buffer in
            for index in 0..<32 {
                let word = index < 16 ? high : low
                let nibble = UInt8(truncatingIfNeeded: word >> UInt64(60 - 4 * (index % 16))) & 0xF
                buffer[index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
            }
            return 32
        }
    }
}
