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
        }
        let loaded = keys.isLoaded
        let status = isDraining() ? "draining" : loaded ? "ready" : "starting"
        return .json(status == "ready" ? .ok : .serviceUnavailable, encoding: Readiness(status: status, keys: keys.keyCount))
    }
}
