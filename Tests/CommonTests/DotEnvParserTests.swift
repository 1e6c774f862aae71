import Testing

@testable import Common

@Suite struct DotEnvParserTests {
    @Test func parsesTheCommonForms() throws {
        let text = """
            # a comment
            A=1
            export B = two words
            C="quoted # not a comment\\nnext"
            D='single $NOT_EXPANDED'
            E=value # trailing comment

            """
        let values = try DotEnvParser.parse(text).get()
        #expect(values == ["A": "1", "B": "two words", "C": "quoted # not a comment\nnext", "D": "single $NOT_EXPANDED", "E": "value"])
    }

    @Test func reportsTheLineOfAMistake() {
        guard case .failure(let failure) = DotEnvParser.parse("A=1\nthis is not an assignment\n") else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.line == 2)
        guard case .failure(let quote) = DotEnvParser.parse("A=\"unterminated\n") else {
            Issue.record("expected a failure")
            return
        }
        #expect(quote.reason == "unterminated quote")
    }
}
