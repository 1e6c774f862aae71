import Common
import Crypto
import Foundation

/// The fleet-wide tier of the JWKS cache: the raw JWKS document and its fetch time in Redis,
/// a lock so that one worker fetches per rotation, a fleet-wide cooldown for unknown-`kid`
/// refreshes, and a channel announcing every new document.
///
/// Redis is a trust boundary: whoever can write it could otherwise plant a key every worker
/// loads. A record is HMAC-SHA256-signed over the namespace, its fetch time and the document
/// with the fleet's shared key, and a record that is unsigned, badly signed or dated in the
/// future is refused (the worker then goes to the provider itself).
struct SharedJWKSStore: Sendable {
    struct Stored: Sendable, Equatable {
        var document: [UInt8]
        /// Unix seconds.
        var fetchedAt: Double
    }

    /// Why a record in Redis was not used.
    enum Rejection: String, Error, Sendable {
        case unsigned
        case badSignature = "bad_signature"
        case datedInFuture = "dated_in_future"
    }

    enum Lookup: Sendable, Equatable {
        case missing
        case record(Stored)
        /// With a digest of what was refused, so the same record is reported once.
        case rejected(Rejection, digest: String)
    }

    static let recordVersion = "gatehouse-jwks-v1"

    let client: RedisClient
    let namespace: String
    let documentKey: String
    let lockKey: String
    let cooldownKey: String
    let channel: String
    private let signingKey: SymmetricKey
    /// How far in the future a record's fetch time may be (hosts' clocks differ a little).
    private let clockSkew: Double

    /// Keys derive from the issuer and the configured JWKS URI, so deployments sharing a Redis
    /// but trusting different providers never share keys.
    init(client: RedisClient, issuer: String, jwksURI: String?, signingKey: String, clockSkew: Duration = .seconds(60)) {
        self.client = client
        let digest = SHA256.hash(data: Array((issuer + "|" + (jwksURI ?? "discovery")).utf8))
        namespace = "gatehouse:jwks:" + digest.prefix(12).map { String(format: "%02x", $0) }.joined()
        documentKey = namespace + ":document"
        lockKey = namespace + ":lock"
        cooldownKey = namespace + ":kid-cooldown"
        channel = namespace + ":updated"
        self.signingKey = SymmetricKey(data: Array(signingKey.utf8))
        self.clockSkew = Double(clockSkew.components.seconds)
    }

    func load(now: Double = Date().timeIntervalSince1970) async throws(RedisError) -> Lookup {
        guard let value = try await client.get(documentKey) else { return .missing }
        return verify(value, now: now)
    }

    /// Writes the signed record and tells every subscribed worker.
    func store(_ stored: Stored) async throws(RedisError) {
        try await client.set(documentKey, encode(stored))
        try await client.publish(channel, String(stored.fetchedAt))
    }

    /// `<version>\n<fetched_at>\n<hex HMAC>\n<document>`: the provider's bytes are kept as they came.
    func encode(_ stored: Stored) -> [UInt8] {
        let fetchedAt = String(stored.fetchedAt)
        let mac = signature(fetchedAt: fetchedAt, document: stored.document)
        return Array("\(Self.recordVersion)\n\(fetchedAt)\n\(mac)\n".utf8) + stored.document
    }

    func verify(_ value: [UInt8], now: Double) -> Lookup {
        let rejected = { (reason: Rejection) in
            Lookup.rejected(reason, digest: SHA256.hash(data: value).prefix(8).map { String(format: "%02x", $0) }.joined())
        }
        var lines = value.split(separator: UInt8(ascii: "\n"), maxSplits: 3, omittingEmptySubsequences: false)
        guard lines.count == 4, String(decoding: lines[0], as: UTF8.self) == Self.recordVersion else { return rejected(.unsigned) }
        let fetchedAtText = String(decoding: lines[1], as: UTF8.self)
        let mac = String(decoding: lines[2], as: UTF8.self)
        let document = Array(lines.removeLast())
        guard let fetchedAt = Double(fetchedAtText), fetchedAt.isFinite,
            ConstantTime.equal(mac, signature(fetchedAt: fetchedAtText, document: document))
        else { return rejected(.badSignature) }
        // A record from the future would stay "fresh" past every refresh.
        guard fetchedAt <= now + clockSkew else { return rejected(.datedInFuture) }
        return .record(Stored(document: document, fetchedAt: fetchedAt))
    }

    private func signature(fetchedAt: String, document: [UInt8]) -> String {
        var mac = HMAC<SHA256>(key: signingKey)
        mac.update(data: Array("\(namespace)\n\(fetchedAt)\n".utf8))
        mac.update(data: document)
        return mac.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// `SET NX PX` with a random token, so only the holder releases it.
    func acquireLock(for duration: Duration) async throws(RedisError) -> String? {
        let token = UUID().uuidString
        return try await client.set(lockKey, token, px: duration, nx: true) ? token : nil
    }

    func releaseLock(_ token: String) async {
        // Compare-and-delete in one step: never release a lock another worker took after ours expired.
        let script = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
        _ = try? await client.command(["EVAL", script, "1", lockKey, token])
    }

    func isLocked() async throws(RedisError) -> Bool {
        try await client.get(lockKey) != nil
    }

    enum UnknownKeyClaim: Sendable, Equatable {
        /// Another worker's: it is refreshing, or did within the cooldown window.
        case taken
        /// Ours, with the fetch lock taken in the same step (nil while another refresh holds it).
        case claimed(lock: String?)
    }

    /// The one unknown-`kid` refresh of the fleet per cooldown window. The claim and the fetch
    /// lock are taken atomically: a worker that finds the claim taken finds the lock held until
    /// the claimant has stored its document, so it waits for that document. Taken one after
    /// the other, a worker could look between the two, see no lock, and refuse a token signed
    /// with the very key being fetched.
    func claimUnknownKeyRefresh(cooldown: Duration, lockFor duration: Duration) async throws(RedisError) -> UnknownKeyClaim {
        guard cooldown > .zero else { return .claimed(lock: nil) }
        let token = UUID().uuidString
        let script = """
            if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
            if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then return 2 end
            return 1
            """
        let reply = try await client.command([
            "EVAL", script, "2", cooldownKey, lockKey,
            String(getpid()), String(max(1, cooldown.redisMilliseconds)), token, String(max(1, duration.redisMilliseconds)),
        ])
        switch reply {
        case .integer(0): return .taken
        case .integer(1): return .claimed(lock: nil)
        case .integer(2): return .claimed(lock: token)
        case .error(let message): throw .server(message)
        default: throw .protocolError("unexpected reply to the unknown-kid claim: \(reply)")
        }
    }
}
