import Common
import Crypto
import Foundation

/// The fleet-wide tier of the JWKS cache: the raw JWKS document and its fetch time in Redis,
/// a lock so that one worker fetches per rotation, a fleet-wide cooldown for unknown-`kid`
/// refreshes, and a channel announcing every new document.
struct SharedJWKSStore: Sendable {
    struct Stored: Sendable, Equatable {
        var document: [UInt8]
        /// Unix seconds.
        var fetchedAt: Double
    }

    let client: RedisClient
    let documentKey: String
    let lockKey: String
    let cooldownKey: String
    let channel: String

    /// Keys derive from the issuer and the configured JWKS URI, so deployments sharing a Redis
    /// but trusting different providers never share keys.
    init(client: RedisClient, issuer: String, jwksURI: String?) {
        self.client = client
        let digest = SHA256.hash(data: Array((issuer + "|" + (jwksURI ?? "discovery")).utf8))
        let namespace = "gatehouse:jwks:" + digest.prefix(12).map { String(format: "%02x", $0) }.joined()
        documentKey = namespace + ":document"
        lockKey = namespace + ":lock"
        cooldownKey = namespace + ":kid-cooldown"
        channel = namespace + ":updated"
    }

    func load() async throws(RedisError) -> Stored? {
        guard let value = try await client.get(documentKey) else { return nil }
        // "<fetched_at>\n<document>": no re-encoding of the provider's bytes.
        guard let newline = value.firstIndex(of: UInt8(ascii: "\n")),
            let fetchedAt = Double(String(decoding: value[..<newline], as: UTF8.self))
        else { return nil }
        return Stored(document: Array(value[(newline + 1)...]), fetchedAt: fetchedAt)
    }

    /// Writes the document and tells every subscribed worker.
    func store(_ stored: Stored) async throws(RedisError) {
        let value = Array(String(stored.fetchedAt).utf8) + [UInt8(ascii: "\n")] + stored.document
        try await client.set(documentKey, value)
        try await client.publish(channel, String(stored.fetchedAt))
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

    /// True for the one worker in the fleet allowed an unknown-`kid` refresh this cooldown window.
    func claimUnknownKeyRefresh(cooldown: Duration) async throws(RedisError) -> Bool {
        guard cooldown > .zero else { return true }
        return try await client.set(cooldownKey, String(getpid()), px: cooldown, nx: true)
    }
}
