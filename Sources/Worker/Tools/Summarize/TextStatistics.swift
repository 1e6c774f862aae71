import MCP

/// Counts an agent can use to judge a text before or after summarizing it.
struct TextStatistics: Sendable, Equatable {
    /// Unicode code points, as JSON Schema's `maxLength` counts them.
    var characters: Int
    var charactersExcludingWhitespace: Int
    var words: Int
    var uniqueWords: Int
    var sentences: Int
    var paragraphs: Int
    var averageWordsPerSentence: Double
    var averageWordLength: Double
    /// At 200 words a minute, rounded up.
    var readingTimeSeconds: Int

    static let wordsPerMinute = 200

    init(_ text: String) {
        let words = TextSegmentation.words(text)
        let sentences = TextSegmentation.sentences(text).count
        characters = text.unicodeScalars.count
        charactersExcludingWhitespace = text.unicodeScalars.filter { !$0.properties.isWhitespace }.count
        self.words = words.count
        uniqueWords = Set(words).count
        self.sentences = sentences
        paragraphs = TextSegmentation.paragraphs(text).count
        averageWordsPerSentence = sentences == 0 ? 0 : Self.rounded(Double(words.count) / Double(sentences))
        let letters = words.reduce(0) { $0 + $1.count }
        averageWordLength = words.isEmpty ? 0 : Self.rounded(Double(letters) / Double(words.count))
        readingTimeSeconds = (words.count * 60 + Self.wordsPerMinute - 1) / Self.wordsPerMinute
    }

    /// Two decimals: enough to read, and the same on every machine.
    private static func rounded(_ value: Double) -> Double {
        (value * 100).rounded() / 100
    }

    var value: Value {
        [
            "characters": .int(characters),
            "characters_excluding_whitespace": .int(charactersExcludingWhitespace),
            "words": .int(words),
            "unique_words": .int(uniqueWords),
            "sentences": .int(sentences),
            "paragraphs": .int(paragraphs),
            "average_words_per_sentence": .double(averageWordsPerSentence),
            "average_word_length": .double(averageWordLength),
            "reading_time_seconds": .int(readingTimeSeconds),
        ]
    }

    static let schema = JSONSchema.object([
        "characters": JSONSchema.integer(description: "Unicode code points."),
        "characters_excluding_whitespace": JSONSchema.integer(description: "Code points that are not whitespace."),
        "words": JSONSchema.integer(description: "Runs of letters and digits."),
        "unique_words": JSONSchema.integer(description: "Distinct words, ignoring case."),
        "sentences": JSONSchema.integer(description: "Sentences (ended by . ! ? or a paragraph break)."),
        "paragraphs": JSONSchema.integer(description: "Blocks separated by blank lines."),
        "average_words_per_sentence": JSONSchema.number(description: "Words per sentence, two decimals."),
        "average_word_length": JSONSchema.number(description: "Characters per word, two decimals."),
        "reading_time_seconds": JSONSchema.integer(description: "Reading time at 200 words a minute, rounded up."),
    ], description: "Statistics of the whole input text.")
}
