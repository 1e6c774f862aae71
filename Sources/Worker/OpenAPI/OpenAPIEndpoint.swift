import NIOConcurrencyHelpers

/// `GET /openapi.json`: the document encoded once, and again only when discovery tells the
/// authorization server's real endpoints; requests read the stored bytes.
final class OpenAPIEndpoint: Sendable {
    private let document: OpenAPIDocument
    private let encoded: NIOLockedValueBox<(endpoints: AuthorizationServerEndpoints, body: [UInt8])>
    private let discovered = NIOLockedValueBox(false)

    init(document: OpenAPIDocument, endpoints: AuthorizationServerEndpoints) {
        self.document = document
        encoded = NIOLockedValueBox((endpoints, Self.encode(document, endpoints)))
    }

    /// Whether the document names endpoints from a discovery document (not the fallback).
    var hasDiscoveredEndpoints: Bool { discovered.withLockedValue { $0 } }

    /// Rebuilds the document when the endpoints differ from those it names.
    func update(endpoints: AuthorizationServerEndpoints) {
        discovered.withLockedValue { $0 = true }
        guard encoded.withLockedValue({ $0.endpoints }) != endpoints else { return }
        let body = Self.encode(document, endpoints)
        encoded.withLockedValue { $0 = (endpoints, body) }
    }

    func response() -> HTTPResponse {
        .json(.ok, encoded.withLockedValue { $0.body }, headers: ["Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"])
    }

    private static func encode(_ document: OpenAPIDocument, _ endpoints: AuthorizationServerEndpoints) -> [UInt8] {
        (try? JSONCoding.encode(document.build(endpoints: endpoints))) ?? Array(#"{"openapi":"3.1.0"}"#.utf8)
    }
}
