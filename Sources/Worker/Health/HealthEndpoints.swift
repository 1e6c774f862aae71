import NIOHTTP1

/// `/healthz`: the process answers. `/readyz`: it can validate tokens (keys loaded).
struct HealthEndpoints: Sendable {
    var keys: JWKSCache

    func liveness() -> HTTPResponse {
        .json(.ok, Array(#"{"status":"ok"}"#.utf8))
    }

    func readiness() -> HTTPResponse {
        struct Readiness: Encodable {
            var status: String
            var keys: Int
        }
        let loaded = keys.isLoaded
        return .json(loaded ? .ok : .serviceUnavailable,
                     encoding: Readiness(status: loaded ? "ready" : "starting", keys: keys.keyCount))
    }
}
