import Common
import Foundation
import Testing

@Suite struct JSONWriterTests {
    private func text(_ build: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter()
        build(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func stringsAreEscapedAndParseBack() throws {
        let original = "plain \"quoted\" back\\slash\nline\ttab\r\u{01}\u{7F} é ✓ </script>"
        let written = text { $0.string(original) }
        #expect(written.hasPrefix("\"") && written.hasSuffix("\""))
        #expect(!written.contains("\n") && !written.contains("\u{01}"))
        let parsed = try JSONSerialization.jsonObject(with: Data(written.utf8), options: [.fragmentsAllowed]) as? String
        #expect(parsed == original)
        #expect(text { $0.string("no escapes at all") } == #""no escapes at all""#)
    }

    @Test func numbersBooleansAndNonFiniteValues() {
        #expect(text { $0.number(-42) } == "-42")
        #expect(text { $0.number(1.5) } == "1.5")
        #expect(text { $0.number(Double.nan) } == "null")
        #expect(text { $0.number(-Double.infinity) } == "null")
        #expect(text { $0.bool(true); $0.raw(","); $0.bool(false) } == "true,false")
    }
}
