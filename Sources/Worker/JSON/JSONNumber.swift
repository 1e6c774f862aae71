/// A JSON number as written, checked against the grammar by the reader; converted on request.
struct JSONNumber {
    let text: UnsafeBufferPointer<UInt8>
    /// No fraction and no exponent.
    let isIntegerLiteral: Bool

    /// The value as a Double; numbers beyond its range are refused, as Foundation refused them.
    func double() throws(JSONReadError) -> Double {
        if isIntegerLiteral, text.count <= 15, let integer = smallInteger() { return Double(integer) }
        guard let value = Double(String(decoding: text, as: UTF8.self)), value.isFinite else { throw .numberOutOfRange }
        return value
    }

    /// The value when it is an integer `Int` holds exactly (`7`, `7.0`, `7e2`), as Foundation's
    /// decoder reads an `Int`; nil otherwise.
    func exactInteger() -> Int? {
        if isIntegerLiteral {
            return text.count <= 18 ? smallInteger() : Int(String(decoding: text, as: UTF8.self))
        }
        guard let value = try? double() else { return nil }
        return Int(exactly: value)
    }

    /// An integer literal of at most 18 characters (no overflow), without going through a String.
    private func smallInteger() -> Int? {
        var index = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative { index = 1 }
        var value = 0
        while index < text.count {
            value = value * 10 + Int(text[index] &- UInt8(ascii: "0"))
            index += 1
        }
        return negative ? -value : value
    }
}
