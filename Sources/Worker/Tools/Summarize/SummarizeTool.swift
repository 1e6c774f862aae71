import MCP

/// `summarize`: the most informative sentences of a text, and its statistics. Extractive and
/// deterministic: no model, the same text always gives the same summary.
struct SummarizeTool: SynchronousTool {
    static let maxTextLength = 20_000
    static let defaultSentences = 3

    let name = "summarize"
    let title = "Summarize text"
    let description = """
        Summarizes a text by extracting its most informative sentences (scored by word frequency, \
        kept in their original order) and returns statistics: characters, words, unique words, \
        sentences, paragraphs, averages and reading time. Deterministic: the same text always gives \
        the same summary. Use it to shorten long text before reasoning over it.
        """
    let requiredScope = "mcp:infer"
    let inputSchema = ToolInputSchema(properties: [
        .init(name: "text", type: .string,
              description: "The text to summarize (1 to \(maxTextLength) characters); sentences end with . ! ? or a blank line.",
              required: true, minLength: 1, maxLength: maxTextLength),
        .init(name: "max_sentences", type: .integer,
              description: "How many sentences the summary may have (1 to 20, default \(defaultSentences)).",
              minimum: 1, maximum: 20, defaultValue: .int(defaultSentences)),
    ])
    let outputSchema = JSONSchema.object([
        "summary": JSONSchema.string(description: "The chosen sentences joined by spaces, in their original order."),
        "sentences": JSONSchema.array(of: JSONSchema.string(description: "A sentence of the text."), description: "The chosen sentences."),
        "sentence_indices": JSONSchema.array(
            of: JSONSchema.integer(description: "A 0-based sentence position."), description: "Where the chosen sentences are in the text."),
        "statistics": TextStatistics.schema,
    ])

    func call(_ arguments: [String: Value], context: ToolCallContext) throws -> CallTool.Result {
        let text = arguments["text"]?.stringValue ?? ""
        let maxSentences = arguments["max_sentences"].flatMap(ToolInputSchema.integral).map { Int($0) } ?? Self.defaultSentences
        let summary = ExtractiveSummarizer().summarize(text, maxSentences: maxSentences)
        let statistics = TextStatistics(text)
        let structured: Value = [
            "summary": .string(summary.text),
            "sentences": .array(summary.sentences.map(Value.string)),
            "sentence_indices": .array(summary.indices.map(Value.int)),
            "statistics": statistics.value,
        ]
        let header = "\(statistics.words) words, \(statistics.sentences) sentences; summary in \(summary.sentences.count):"
        return .structured(header + "\n" + summary.text, structured)
    }
}
