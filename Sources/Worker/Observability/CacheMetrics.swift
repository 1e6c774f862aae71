import Metrics

/// swift-metrics counters for the key and token caches; whatever metrics backend the process
/// bootstraps (Prometheus, for the observability work) picks them up by label.
struct CacheMetrics: Sendable {
    let providerFetches: Counter
    let providerFetchFailures: Counter
    let redisHits: Counter
    let redisMisses: Counter
    let tokenCacheHits: Counter
    let tokenCacheMisses: Counter

    init(factory: any MetricsFactory = MetricsSystem.factory) {
        providerFetches = Counter(label: "gatehouse_jwks_provider_fetches_total", factory: factory)
        providerFetchFailures = Counter(label: "gatehouse_jwks_provider_fetch_failures_total", factory: factory)
        redisHits = Counter(label: "gatehouse_jwks_redis_hits_total", factory: factory)
        redisMisses = Counter(label: "gatehouse_jwks_redis_misses_total", factory: factory)
        tokenCacheHits = Counter(label: "gatehouse_token_cache_hits_total", factory: factory)
        tokenCacheMisses = Counter(label: "gatehouse_token_cache_misses_total", factory: factory)
    }
}
