import NIOHTTP1

/// `/healthz`: the process answers. `/readyz`: it can validate tokens (keys loaded) and is
/// not draining.
struct HealthEndpoints: Sendable {
    var keys: JWKSCache
    var isDraining: @Sendable () -> Bool

    func liveness() -> HTTPResponse {
        .json(.ok, Array(#"{"status":"ok"}"#.utf8))
    }

    func readiness() -> HTTPResponse {
        struct Readiness: Encodable {
            var status: String
            var keys: Int
            var redis: String
        }
        let redis = keys.redisStatus
        let status = isDraining() ? "draining" : keys.keysExpired ? "keys_expired" : !keys.isLoaded ? "starting"
            : redis == .degraded ? "degraded" : "ready"
        // Degraded still serves: tokens are validated with local keys and local fetches.
        let serving = status == "ready" || status == "degraded"
        return .json(serving ? .ok : .serviceUnavailable, encoding: Readiness(status: status, keys: keys.keyCount, redis: redis.rawValue))
    }
}
