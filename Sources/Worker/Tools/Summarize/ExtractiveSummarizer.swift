/// A deterministic extractive summary: each sentence scores the sum of its content words'
/// frequencies in the whole text (relative to the most frequent word); the best sentences are
/// kept in their original order. Ties go to the earlier sentence, so equal input gives equal output.
struct ExtractiveSummarizer: Sendable {
    struct Summary: Sendable, Equatable {
        /// Positions (0-based) of the chosen sentences in the text, ascending.
        var indices: [Int]
        var sentences: [String]
        var text: String { sentences.joined(separator: " ") }
    }

    /// Common English function words: frequent everywhere, so they say nothing about a text.
    static let stopWords: Set<String> = [
        "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "because", "been",
        "but", "by", "can", "could", "did", "do", "does", "for", "from", "had", "has", "have", "he", "her",
        "his", "how", "i", "if", "in", "into", "is", "it", "its", "it's", "may", "more", "most", "no", "not", "of",
        "on", "one", "only", "or", "other", "our", "out", "she", "so", "some", "such", "than", "that", "the",
        "their", "them", "then", "there", "these", "they", "this", "those", "to", "too", "up", "us", "very",
        "was", "we", "were", "what", "when", "which", "while", "who", "will", "with", "would", "you", "your",
    ]

    func summarize(_ text: String, maxSentences: Int) -> Summary {
        let sentences = TextSegmentation.sentences(text)
        let sentenceWords = sentences.map { TextSegmentation.words($0).filter(Self.isContentWord) }
        var frequencies: [String: Int] = [:]
        for words in sentenceWords {
            for word in words { frequencies[word, default: 0] += 1 }
        }
        let highest = Double(frequencies.values.max() ?? 1)
        let scores = sentenceWords.map { words in
            words.reduce(0.0) { $0 + Double(frequencies[$1] ?? 0) / highest }
        }
        let chosen = scores.indices
            .sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
            .prefix(max(0, maxSentences))
            .sorted()
        return Summary(indices: chosen, sentences: chosen.map { String(sentences[$0]) })
    }

    private static func isContentWord(_ word: String) -> Bool {
        word.count > 1 && !stopWords.contains(word)
    }
}
