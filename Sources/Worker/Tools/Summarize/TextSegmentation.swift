/// How text is cut into paragraphs, sentences and words, for the statistics and the summary alike.
enum TextSegmentation {
    /// Blocks separated by blank lines.
    static func paragraphs(_ text: String) -> [Substring] {
        var paragraphs: [Substring] = []
        var start = text.startIndex
        var lineStart = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            if text[index].isNewline {
                let line = text[lineStart..<index]
                if line.allSatisfy(\.isWhitespace) && lineStart > start {
                    appendTrimmed(text[start..<lineStart], to: &paragraphs)
                    start = text.index(after: index)
                }
                lineStart = text.index(after: index)
            }
            index = text.index(after: index)
        }
        appendTrimmed(text[start...], to: &paragraphs)
        return paragraphs
    }

    /// Sentences end at `.`, `!` or `?` (with any closing quotes or brackets) before whitespace or
    /// the end, and at paragraph breaks; a paragraph without end punctuation is one sentence.
    static func sentences(_ text: String) -> [Substring] {
        var sentences: [Substring] = []
        for paragraph in paragraphs(text) {
            var start = paragraph.startIndex
            var index = paragraph.startIndex
            while index < paragraph.endIndex {
                var next = paragraph.index(after: index)
                if ".!?".contains(paragraph[index]) {
                    while next < paragraph.endIndex, ".!?\"'”’)]".contains(paragraph[next]) {
                        next = paragraph.index(after: next)
                    }
                    if next == paragraph.endIndex || paragraph[next].isWhitespace {
                        appendTrimmed(paragraph[start..<next], to: &sentences)
                        start = next
                    }
                }
                index = next
            }
            appendTrimmed(paragraph[start...], to: &sentences)
        }
        return sentences
    }

    /// Runs of letters and digits (apostrophes inside a word kept), lower-cased.
    static func words(_ text: some StringProtocol) -> [String] {
        var words: [String] = []
        var current = ""
        var pendingApostrophe = false
        for character in text {
            if character.isLetter || character.isNumber {
                if pendingApostrophe { current.append("'") }
                pendingApostrophe = false
                current.append(contentsOf: character.lowercased())
            } else if (character == "'" || character == "’") && !current.isEmpty && !pendingApostrophe {
                pendingApostrophe = true
            } else {
                if !current.isEmpty { words.append(current) }
                current = ""
                pendingApostrophe = false
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    private static func appendTrimmed(_ part: Substring, to parts: inout [Substring]) {
        guard let first = part.firstIndex(where: { !$0.isWhitespace }),
            let last = part.lastIndex(where: { !$0.isWhitespace })
        else { return }
        parts.append(part[first...last])
    }
}
