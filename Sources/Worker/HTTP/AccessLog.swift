import Logging
import NIOCore

/// One line per request: method, path (never the query), status, duration, request id and,
/// when authenticated, the subject and client.
struct AccessLog: Sendable {
    var logger: Logger

    func record(request: HTTPRequest, response: HTTPResponse, duration: TimeAmount) {
        var metadata: Logger.Metadata = [
            "event": "http.request",
            "request_id": .string(request.requestID),
            "method": .string(request.method.rawValue),
            "path": .string(request.path.utf8.count <= 256 ? request.path : String(request.path.prefix(256))),
            "status": .stringConvertible(Int(response.status.code)),
            "duration_ms": .stringConvertible(Double(duration.nanoseconds / 1000) / 1000),
        ]
        if let principal = response.principal {
            if let subject = principal.subject { metadata["sub"] = .string(subject) }
            if let client = principal.clientID { metadata["client_id"] = .string(client) }
        }
        if !response.logMetadata.isEmpty {
            metadata.merge(response.logMetadata) { current, _ in current }
        }
        if let remote = request.remoteAddress?.ipAddress {
            metadata["remote"] = .string(remote)
        }
        logger.info("request", metadata: metadata)
    }
}
