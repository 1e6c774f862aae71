import Foundation
import NIOHTTP1

/// One JSON line per answered request on stdout, as a provider's access log: tests read the
/// order in which a client walked through discovery, metadata and the token endpoint.
/// The path is logged without its query; bodies and credentials never are.
enum RequestLog {
    static func record(method: HTTPMethod, path: String, status: HTTPResponseStatus) {
        let line: JSONValue = [
            "event": "idp.request", "method": .string(method.rawValue), "path": .string(String(path.prefix(256))),
            "status": .int(Int64(status.code)),
        ]
        FileHandle.standardOutput.write(Data((line.serialized + "\n").utf8))
    }
}
