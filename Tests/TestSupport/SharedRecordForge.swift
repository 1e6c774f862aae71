import Crypto
import Foundation

/// JWKS records in the format workers share through Redis, written by the test: unsigned, signed
/// with any key (the fleet's, as by a host whose key leaked, or a guess), dated whenever.
public enum SharedRecordForge {
    public static let version = "gatehouse-jwks-v1"

    /// `<version>\n<fetched_at>\n<HMAC-SHA256 hex over namespace, fetched_at, document>\n<document>`.
    public static func signed(document: [UInt8], fetchedAt: Double, namespace: String, key: String) -> [UInt8] {
        let fetched = String(fetchedAt)
        var mac = HMAC<SHA256>(key: SymmetricKey(data: Array(key.utf8)))
        mac.update(data: Array("\(namespace)\n\(fetched)\n".utf8))
        mac.update(data: document)
        let hex = mac.finalize().map { String(format: "%02x", $0) }.joined()
        return Array("\(version)\n\(fetched)\n\(hex)\n".utf8) + document
    }

    /// The format before records were signed: `<fetched_at>\n<document>`.
    public static func unsigned(document: [UInt8], fetchedAt: Double) -> [UInt8] {
        Array("\(fetchedAt)\n".utf8) + document
    }

    public static func jwks(_ keys: [[String: Any]]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: ["keys": keys], options: [.sortedKeys]))
    }
}
