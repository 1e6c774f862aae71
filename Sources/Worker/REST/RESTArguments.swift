import Foundation
import MCP

/// A `POST /tools/{name}` body read as tool arguments: a JSON object, or nothing at all for a
/// tool that needs no arguments.
enum RESTArguments {
    enum Problem: Error, Sendable, Equatable {
        /// A body that is not sent as JSON (415).
        case notJSON
        /// Not parseable JSON (400).
        case malformed
        /// JSON, but not an object (422, pointer "": the whole document).
        case notAnObject
    }

    static func read(_ request: HTTPRequest) -> Result<[String: Value], Problem> {
        let body = request.body.readableBytesView
        if body.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) {
            return .success([:])
        }
        guard let contentType = request.headers.first(name: "content-type"), isJSON(contentType) else {
            return .failure(.notJSON)
        }
        guard let value = try? JSONDecoder().decode(Value.self, from: Data(body)) else { return .failure(.malformed) }
        guard case .object(let arguments) = value else { return .failure(.notAnObject) }
        return .success(arguments)
    }

    /// `application/json`, with parameters, or a `+json` type.
    static func isJSON(_ contentType: String) -> Bool {
        let type = contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        return type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
    }
}
