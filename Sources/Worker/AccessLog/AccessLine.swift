import Common
import Glibc

/// Writes one access line into the buffer's free space. Strings pass the secret redactor and
/// are escaped as `JSONWriter` escapes them; the common case (nothing to redact or escape) is
/// a copy.
struct AccessLine: ~Copyable {
    private let storage: UnsafeMutableRawBufferPointer
    private(set) var count = 0
    /// The line did not fit; the buffer writes it another way.
    private(set) var overflowed = false

    init(storage: UnsafeMutableRawBufferPointer) {
        self.storage = storage
    }

    mutating func raw(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func raw(_ number: Double) {
        var text = number.isFinite ? "\(number)" : "null"
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    mutating func integer(_ value: Int) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for any Int.
        withUnsafeMutableBytes(of: &digits) { scratch in
            var rest = value.magnitude
            var start = scratch.count
            repeat {
                start -= 1
                scratch[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            if value < 0 {
                start -= 1
                scratch[start] = UInt8(ascii: "-")
            }
            append(UnsafeRawBufferPointer(rebasing: scratch[start...]))
        }
    }

    /// `,"name":"value"`
    mutating func field(_ name: StaticString, _ value: String) {
        raw(",\"")
        raw(name)
        raw("\":")
        string(value)
    }

    mutating func string(_ value: String) {
        var text = SecretRedactor.redact(value)
        let clean: Bool = text.withUTF8 { utf8 in
            guard !utf8.contains(where: Self.needsEscape) else { return false }
            raw("\"")
            append(UnsafeRawBufferPointer(utf8))
            raw("\"")
            return true
        }
        guard !clean else { return }
        var escaped = JSONWriter(capacity: text.utf8.count + 16)
        escaped.string(text)
        escaped.bytes.withUnsafeBytes { append($0) }
    }

    /// RFC 3339 UTC with milliseconds, as the log handler writes it.
    mutating func timestamp() {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        raw("\"")
        digits(Int(parts.tm_year) + 1900, 4)
        raw("-")
        digits(Int(parts.tm_mon) + 1, 2)
        raw("-")
        digits(Int(parts.tm_mday), 2)
        raw("T")
        digits(Int(parts.tm_hour), 2)
        raw(":")
        digits(Int(parts.tm_min), 2)
        raw(":")
        digits(Int(parts.tm_sec), 2)
        raw(".")
        digits(Int(now.tv_nsec / 1_000_000), 3)
        raw("Z\"")
    }

    private mutating func digits(_ value: Int, _ width: Int) {
        guard count + width <= storage.count else {
            overflowed = true
            return
        }
        var rest = value
        for index in stride(from: count + width - 1, through: count, by: -1) {
            storage[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        count += width
    }

    private mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !overflowed, count + bytes.count <= storage.count else {
            overflowed = true
            return
        }
        UnsafeMutableRawBufferPointer(rebasing: storage[count...]).copyMemory(from: bytes)
        count += bytes.count
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }
}
