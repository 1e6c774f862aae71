import Foundation

/// A path with named segments, such as `/tools/{name}`: each `{...}` matches one non-empty,
/// percent-decoded segment.
struct RoutePattern: Sendable {
    private enum Segment: Sendable {
        case literal(Substring)
        case parameter(String)
    }

    private let segments: [Segment]
    let template: String

    init(_ template: String) {
        self.template = template
        segments = template.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? .parameter(String(part.dropFirst().dropLast())) : .literal(part)
        }
    }

    /// The parameters when `path` matches, nil otherwise.
    func match(_ path: String) -> RouteParameters? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard path.hasPrefix("/"), parts.count == segments.count else { return nil }
        var values: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let literal):
                guard literal == part else { return nil }
            case .parameter(let name):
                guard !part.isEmpty, let decoded = String(part).removingPercentEncoding, !decoded.isEmpty else { return nil }
                values[name] = decoded
            }
        }
        return RouteParameters(values: values)
    }
}

/// The values a `RoutePattern` took from a path.
struct RouteParameters: Sendable {
    var values: [String: String]

    subscript(_ name: String) -> String? { values[name] }
}
