/// Reads one JSON document (RFC 8259) in a single pass, straight from its bytes, for the
/// readers that know what they want from it (a JSON-RPC envelope, a JOSE header, a claims
/// set). Members a reader does not ask for are skipped, yet checked all the same: the whole
/// document must be valid JSON, as Foundation's decoder required, so nothing it refused gets
/// through. Strict: no trailing commas, no comments, no leading zeros, no lone surrogates,
/// valid UTF-8 in every string, no number that a Double cannot hold.
///
/// With `rejectsDuplicateMembers`, an object anywhere in the document that repeats a member
/// name (compared after unescaping) is an error: RFC 7515 §4 and RFC 8725 §3.11 for tokens.
/// Otherwise the last value of a repeated name wins.
///
/// The reader works on a buffer it does not own: use it inside `read(_:…)` only.
struct JSONReader {
    enum Kind: Sendable, Equatable {
        case object, array, string, number, bool, null
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0
    private let maximumDepth: Int
    let rejectsDuplicateMembers: Bool

    /// Foundation's limit for ordinary documents.
    static let defaultMaximumDepth = 512

    private init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int, rejectsDuplicateMembers: Bool) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
        self.rejectsDuplicateMembers = rejectsDuplicateMembers
    }

    /// Runs `body` over the document in `bytes`, then requires that nothing but whitespace follows.
    static func read<Result>(
        _ bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int = defaultMaximumDepth, rejectingDuplicateMembers: Bool = false,
        _ body: (inout JSONReader) throws(JSONReadError) -> Result
    ) throws(JSONReadError) -> Result {
        var reader = JSONReader(bytes: bytes, maximumDepth: maximumDepth, rejectsDuplicateMembers: rejectingDuplicateMembers)
        let result = try body(&reader)
        reader.skipWhitespace()
        guard reader.position == bytes.count else { throw .malformed }
        return result
    }

    static func read<Result>(
        _ bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth, rejectingDuplicateMembers: Bool = false,
        _ body: (inout JSONReader) throws(JSONReadError) -> Result
    ) throws(JSONReadError) -> Result {
        try withBuffer(bytes) { buffer throws(JSONReadError) in
            try read(buffer, maximumDepth: maximumDepth, rejectingDuplicateMembers: rejectingDuplicateMembers, body)
        }
    }

    /// Contiguous storage when the collection has it (arrays, ByteBuffer views), a copy otherwise.
    static func withBuffer<Bytes: Collection<UInt8>, Result>(
        _ bytes: Bytes, _ body: (UnsafeBufferPointer<UInt8>) throws(JSONReadError) -> Result
    ) throws(JSONReadError) -> Result {
        let outcome: Swift.Result<Result, JSONReadError>? = bytes.withContiguousStorageIfAvailable { buffer in
            do throws(JSONReadError) { return .success(try body(buffer)) } catch { return .failure(error) }
        }
        if let outcome { return try outcome.get() }
        return try withBuffer(Array(bytes), body)
    }

    // MARK: - Looking ahead

    /// The kind of the next value (whitespace before it is skipped).
    mutating func kind() throws(JSONReadError) -> Kind {
        skipWhitespace()
        guard position < bytes.count else { throw .malformed }
        switch bytes[position] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw .malformed
        }
    }

    // MARK: - Containers

    /// Calls `member` with each member's name; it reads the value or leaves it (then it is skipped).
    mutating func readObject(_ member: (inout JSONReader, JSONMemberName) throws(JSONReadError) -> Void) throws(JSONReadError) {
        guard try !open(.object, closing: UInt8(ascii: "}")) else { return }
        var names = JSONMemberNames()
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw .malformed }
            let name = try scanString()
            if rejectsDuplicateMembers, !names.insert(name) { throw .duplicateMember }
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw .malformed }
            position += 1
            skipWhitespace()
            let valueStart = position
            try member(&self, name)
            if position == valueStart { try skipValue() }
            if try closes(UInt8(ascii: "}")) { break }
        }
        depth -= 1
    }

    /// Calls `element` for each element; it reads the value or leaves it (then it is skipped).
    mutating func readArray(_ element: (inout JSONReader) throws(JSONReadError) -> Void) throws(JSONReadError) {
        guard try !open(.array, closing: UInt8(ascii: "]")) else { return }
        while true {
            skipWhitespace()
            let valueStart = position
            try element(&self)
            if position == valueStart { try skipValue() }
            if try closes(UInt8(ascii: "]")) { break }
        }
        depth -= 1
    }

    /// Checks the next value, whatever it is, and moves past it.
    mutating func skipValue() throws(JSONReadError) {
        switch try kind() {
        case .object: try readObject { _, _ throws(JSONReadError) in }
        case .array: try readArray { _ throws(JSONReadError) in }
        case .string: _ = try scanString()
        case .number: _ = try scanNumber()
        case .bool: _ = try readBool()
        case .null: try readNull()
        }
    }

    // MARK: - Scalars

    mutating func readString() throws(JSONReadError) -> String {
        guard try kind() == .string else { throw .unexpectedType }
        return try scanString().string
    }

    /// The string, or nil (having skipped the value) when it is something else.
    mutating func readStringIfString() throws(JSONReadError) -> String? {
        guard try kind() == .string else {
            try skipValue()
            return nil
        }
        return try scanString().string
    }

    /// `decodeIfPresent(String.self)`: nil for null, an error for another type.
    mutating func readOptionalString() throws(JSONReadError) -> String? {
        if try readNullIfNull() { return nil }
        return try readString()
    }

    mutating func readBool() throws(JSONReadError) -> Bool {
        guard try kind() == .bool else { throw .unexpectedType }
        if try literal("true") { return true }
        if try literal("false") { return false }
        throw .malformed
    }

    mutating func readNull() throws(JSONReadError) {
        guard try kind() == .null, try literal("null") else { throw .unexpectedType }
    }

    /// Consumes a null and says so; leaves anything else.
    mutating func readNullIfNull() throws(JSONReadError) -> Bool {
        guard try kind() == .null else { return false }
        try readNull()
        return true
    }

    /// A number as a Double; an error for a number beyond its range (as Foundation refused it).
    mutating func readDouble() throws(JSONReadError) -> Double {
        guard try kind() == .number else { throw .unexpectedType }
        return try scanNumber().double()
    }

    mutating func readOptionalDouble() throws(JSONReadError) -> Double? {
        if try readNullIfNull() { return nil }
        return try readDouble()
    }

    /// A number read as `Int` when it is one exactly (`7`, `7.0`, `7e0`), as a Double otherwise.
    mutating func readNumber() throws(JSONReadError) -> JSONNumber {
        guard try kind() == .number else { throw .unexpectedType }
        return try scanNumber()
    }

    // MARK: - Scanning

    private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// Steps into a container at its opening bracket; true when it is empty (and already left).
    private mutating func open(_ container: Kind, closing: UInt8) throws(JSONReadError) -> Bool {
        guard try kind() == container else { throw .unexpectedType }
        depth += 1
        guard depth <= maximumDepth else { throw .tooDeep }
        position += 1
        skipWhitespace()
        guard peek == closing else { return false }
        position += 1
        depth -= 1
        return true
    }

    /// After a member or element: true at the closing bracket, false at a comma.
    private mutating func closes(_ closing: UInt8) throws(JSONReadError) -> Bool {
        skipWhitespace()
        guard let byte = peek else { throw .malformed }
        position += 1
        if byte == UInt8(ascii: ",") { return false }
        if byte == closing { return true }
        throw .malformed
    }

    private mutating func literal(_ text: StaticString) throws(JSONReadError) -> Bool {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw .malformed }
        let text = UnsafeBufferPointer(start: text.utf8Start, count: count)
        for index in 0..<count where bytes[position + index] != text[index] { return false }
        position += count
        return true
    }

    /// A string at `position` (its opening quote), checked: escapes, control characters, UTF-8.
    private mutating func scanString() throws(JSONReadError) -> JSONMemberName {
        position += 1
        let start = position
        var escaped = false
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let content = UnsafeBufferPointer(rebasing: bytes[start..<position])
                position += 1
                return JSONMemberName(raw: content, hasEscapes: escaped)
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
                try scanEscape()
            } else if byte < 0x20 {
                throw .malformed
            } else if byte < 0x80 {
                position += 1
            } else {
                try scanUTF8Sequence()
            }
        }
        throw .malformed
    }

    /// `\x` or `\uXXXX`; a high surrogate must be followed by a low one, and a low one never stands alone.
    private mutating func scanEscape() throws(JSONReadError) {
        guard position + 1 < bytes.count else { throw .malformed }
        let escape = bytes[position + 1]
        position += 2
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return
        case UInt8(ascii: "u"):
            let unit = try hex4()
            if (0xDC00...0xDFFF).contains(unit) { throw .malformed }
            guard (0xD800...0xDBFF).contains(unit) else { return }
            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                throw .malformed
            }
            position += 2
            guard (0xDC00...0xDFFF).contains(try hex4()) else { throw .malformed }
        default:
            throw .malformed
        }
    }

    private mutating func hex4() throws(JSONReadError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw .malformed }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = JSONMemberName.hexValue(bytes[position]) else { throw .malformed }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    /// One multi-byte UTF-8 sequence (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF.
    private mutating func scanUTF8Sequence() throws(JSONReadError) {
        let lead = bytes[position]
        let length: Int
        var lowest: UInt8 = 0x80, highest: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lowest = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; highest = 0x9F
        case 0xF0: length = 4; lowest = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; highest = 0x8F
        default: throw .malformed
        }
        guard position + length <= bytes.count else { throw .malformed }
        let second = bytes[position + 1]
        guard second >= lowest, second <= highest else { throw .malformed }
        for index in 2..<max(length, 2) where bytes[position + index] & 0xC0 != 0x80 { throw .malformed }
        position += length
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    private mutating func scanNumber() throws(JSONReadError) -> JSONNumber {
        let start = position
        var integral = true
        if peek == UInt8(ascii: "-") { position += 1 }
        guard let first = peek, isDigit(first) else { throw .malformed }
        position += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if peek == UInt8(ascii: ".") {
            integral = false
            position += 1
            guard let digit = peek, isDigit(digit) else { throw .malformed }
            skipDigits()
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            integral = false
            position += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
            guard let digit = peek, isDigit(digit) else { throw .malformed }
            skipDigits()
        }
        return JSONNumber(text: UnsafeBufferPointer(rebasing: bytes[start..<position]), isIntegerLiteral: integral)
    }

    private mutating func skipDigits() {
        while let byte = peek, isDigit(byte) { position += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
}

/// Why a document could not be read.
enum JSONReadError: Error, Sendable, Equatable {
    /// Not JSON.
    case malformed
    /// JSON, but not the type the reader asked for.
    case unexpectedType
    /// Nested deeper than the reader allows.
    case tooDeep
    /// An object repeats a member name, and the reader refuses that.
    case duplicateMember
    /// A number no Double holds.
    case numberOutOfRange
}
