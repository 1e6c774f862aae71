/// One worker's metrics as it sent them: the Prometheus text its swift-prometheus registry
/// rendered, read back into families and samples.
struct MetricsSnapshot: Sendable, Equatable {
    enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    struct Family: Sendable, Equatable {
        var name: String
        var kind: Kind
        var help: String
    }

    struct Sample: Sendable, Equatable {
        /// The sample's own name: the family's, or a histogram's `_bucket`, `_sum`, `_count`.
        var name: String
        var labels: [Label]
        var value: Double
    }

    struct Label: Sendable, Hashable {
        var name: String
        var value: String
    }

    var families: [Family]
    var samples: [Sample]

    /// Nil when the text is not what a swift-prometheus registry writes: a line that is neither
    /// a comment nor a sample, a kind it never writes, a sample before its `# TYPE`.
    init?(parsing bytes: [UInt8]) {
        var families: [Family] = []
        var help: [Substring: String] = [:]
        var samples: [Sample] = []
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst("# HELP ".count)
                let name = rest.prefix { $0 != " " }
                help[name] = String(rest.dropFirst(name.count + 1))
            } else if line.hasPrefix("# TYPE ") {
                let words = line.dropFirst("# TYPE ".count).split(separator: " ")
                guard words.count == 2, let kind = Kind(rawValue: String(words[1])) else { return nil }
                families.append(Family(name: String(words[0]), kind: kind, help: help[words[0]] ?? ""))
            } else if !line.hasPrefix("#") {
                guard let sample = Self.sample(line), let family = families.last, family.owns(sample.name) else { return nil }
                samples.append(sample)
            }
        }
        self.families = families
        self.samples = samples
    }

    /// `name{a="x",b="y"} value`, or `name value`.
    private static func sample(_ line: Substring) -> Sample? {
        var rest = line[...]
        let name = rest.prefix { $0 != "{" && $0 != " " }
        rest = rest.dropFirst(name.count)
        var labels: [Label] = []
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                let labelName = rest.prefix { $0 != "=" }
                rest = rest.dropFirst(labelName.count)
                guard rest.hasPrefix("=\""), let (value, after) = quoted(rest.dropFirst(2)) else { return nil }
                labels.append(Label(name: String(labelName), value: value))
                rest = after
                if rest.first == "," { rest = rest.dropFirst() }
                guard !rest.isEmpty else { return nil }
            }
            rest = rest.dropFirst()
        }
        guard !name.isEmpty, rest.first == " ", let value = number(rest.dropFirst().prefix { $0 != " " }) else { return nil }
        return Sample(name: String(name), labels: labels, value: value)
    }

    /// A label value up to its closing quote, unescaped; and what follows the quote.
    private static func quoted(_ text: Substring) -> (String, Substring)? {
        var value = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "\"" { return (value, text[text.index(after: index)...]) }
            if character == "\\" {
                index = text.index(after: index)
                guard index < text.endIndex else { return nil }
                value.append(text[index] == "n" ? "\n" : text[index])
            } else {
                value.append(character)
            }
            index = text.index(after: index)
        }
        return nil
    }

    private static func number(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        default: Double(text)
        }
    }
}

extension MetricsSnapshot.Family {
    /// The family's own name, or a histogram's parts.
    func owns(_ sampleName: String) -> Bool {
        if sampleName == name { return kind != .histogram }
        guard kind == .histogram, sampleName.hasPrefix(name) else { return false }
        return ["_bucket", "_sum", "_count"].contains(sampleName.dropFirst(name.count))
    }
}
