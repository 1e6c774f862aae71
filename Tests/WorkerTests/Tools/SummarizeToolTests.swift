import Foundation
import MCP
import Testing
@testable import Worker

@Suite("Summarize")
struct SummarizeToolTests {
    static let article = """
        Redis keeps data in memory. It is fast because memory is fast.

        Redis supports hashes, lists and sets! Many services use Redis as a cache. \
        The weather was pleasant yesterday? Redis hashes store fields and values.
        """

    @Test func segmentsSentencesParagraphsAndWords() {
        #expect(TextSegmentation.sentences(Self.article) == [
            "Redis keeps data in memory.", "It is fast because memory is fast.",
            "Redis supports hashes, lists and sets!", "Many services use Redis as a cache.",
            "The weather was pleasant yesterday?", "Redis hashes store fields and values.",
        ])
        #expect(TextSegmentation.paragraphs(Self.article).count == 2)
        #expect(TextSegmentation.words("It's 3 o'clock, Dr. Who—ok?") == ["it's", "3", "o'clock", "dr", "who", "ok"])
        // Decimals and abbreviations without a following space do not end a sentence; a paragraph without end punctuation is one.
        #expect(TextSegmentation.sentences("Pi is 3.14 today. See e.g.the note\n\nNo full stop here") ==
            ["Pi is 3.14 today.", "See e.g.the note", "No full stop here"])
        #expect(TextSegmentation.sentences(" \n\n ") == [])
    }

    @Test func picksTheSentencesWithTheMostFrequentWordsInTheirOriginalOrder() {
        let summary = ExtractiveSummarizer().summarize(Self.article, maxSentences: 2)
        // "redis" (4), "memory", "fast", "hashes" (2 each) dominate: sentences 2 and 5 score 2.25,
        // 0 and 3 score 2.0, the weather sentence 0.75.
        #expect(summary.indices == [2, 5])
        #expect(summary.sentences == ["Redis supports hashes, lists and sets!", "Redis hashes store fields and values."])
        #expect(summary.text == "Redis supports hashes, lists and sets! Redis hashes store fields and values.")
        #expect(ExtractiveSummarizer().summarize(Self.article, maxSentences: 4).indices == [0, 2, 3, 5])
        #expect(!ExtractiveSummarizer().summarize(Self.article, maxSentences: 5).indices.contains(4))
    }

    @Test func isDeterministicAndBreaksTiesByPosition() {
        let first = ExtractiveSummarizer().summarize(Self.article, maxSentences: 3)
        for _ in 0..<20 { #expect(ExtractiveSummarizer().summarize(Self.article, maxSentences: 3) == first) }
        // Every sentence scores the same: the earliest ones win.
        let even = "Alpha beta. Gamma delta. Epsilon zeta. Theta iota."
        #expect(ExtractiveSummarizer().summarize(even, maxSentences: 2).indices == [0, 1])
        #expect(ExtractiveSummarizer().summarize(even, maxSentences: 10).indices == [0, 1, 2, 3])
    }

    @Test func statisticsCountWhatTheyClaim() {
        let statistics = TextStatistics("Hello wide world. Hello again!\n\nÉté 2026.")
        #expect(statistics.characters == 41)
        #expect(statistics.charactersExcludingWhitespace == 34)
        #expect(statistics.words == 7)
        #expect(statistics.uniqueWords == 6)
        #expect(statistics.sentences == 3)
        #expect(statistics.paragraphs == 2)
        #expect(statistics.averageWordsPerSentence == 2.33)
        #expect(statistics.averageWordLength == 4.43)
        #expect(statistics.readingTimeSeconds == 3)
        let empty = TextStatistics("   ")
        #expect(empty.words == 0 && empty.sentences == 0 && empty.averageWordsPerSentence == 0 && empty.readingTimeSeconds == 0)
        // Code points, as JSON Schema's maxLength counts: "e" + combining acute is two.
        #expect(TextStatistics("e\u{301}").characters == 2)
    }

    @Test func toolResultCarriesSummaryAndStatistics() throws {
        let tool = SummarizeTool()
        let context = ToolCallContext(
            token: AccessToken(subject: "s", clientID: "c", scopes: ["mcp:infer"], expiresAt: 0, keyID: "k"), processID: 1, now: Date())
        let result = try tool.call(["text": .string(Self.article), "max_sentences": .int(1)], context: context)
        let structured = try #require(result.structuredContent?.objectValue)
        // A tie (2 and 5) goes to the earlier sentence.
        #expect(structured["sentences"] == .array([.string("Redis supports hashes, lists and sets!")]))
        #expect(structured["sentence_indices"] == .array([.int(2)]))
        #expect(structured["statistics"]?.objectValue?["sentences"] == .int(6))
        #expect(result.isError == nil)
        // Defaults to three sentences.
        let defaulted = try tool.call(["text": .string(Self.article)], context: context)
        #expect(defaulted.structuredContent?.objectValue?["sentences"]?.arrayValue?.count == 3)
    }
}
