/// A string's permitted alphabet (ranges of code points), rendered as a JSON Schema `pattern`
/// and checked directly, code point by code point as the pattern would, so the two agree.
struct AllowedCharacters: Sendable {
    /// Ranges such as `"A"..."Z"`; a single character is a one-element range.
    var ranges: [ClosedRange<Unicode.Scalar>]
    /// Words for error messages, e.g. "letters, digits, '.', '_' and '-'".
    var description: String

    /// Identifiers: ASCII letters, digits, `.`, `_` and `-`.
    static let identifier = AllowedCharacters(
        ranges: ["A"..."Z", "a"..."z", "0"..."9", "."...".", "_"..."_", "-"..."-"],
        description: "ASCII letters, digits, '.', '_' and '-'")

    func admits(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in ranges.contains { $0.contains(scalar) } }
    }

    /// `^[...]*$` in ECMA-262 syntax; `-` goes last so it is literal.
    var pattern: String {
        var body = ""
        var dash = false
        for range in ranges {
            if range.lowerBound == "-" && range.upperBound == "-" { dash = true; continue }
            body += range.lowerBound == range.upperBound
                ? escaped(range.lowerBound) : "\(escaped(range.lowerBound))-\(escaped(range.upperBound))"
        }
        return "^[" + body + (dash ? "-" : "") + "]*$"
    }

    private func escaped(_ scalar: Unicode.Scalar) -> String {
        "\\]^[".unicodeScalars.contains(scalar) ? "\\\(scalar)" : String(scalar)
    }
}
