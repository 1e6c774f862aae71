import Prometheus

/// Counters for the key and token caches, in the worker's Prometheus registry.
struct CacheMetrics: Sendable {
    let providerFetches: Counter
    let providerFetchFailures: Counter
    let redisHits: Counter
    let redisMisses: Counter
    let tokenCacheHits: Counter
    let tokenCacheMisses: Counter

    /// A registry of their own when none is given (tests, tools that do not report).
    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        func counter(_ metric: String, _ help: String) -> Counter {
            registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "gatehouse", metricName: metric, unitName: "total", helpText: help), labels: [])
        }
        providerFetches = counter("jwks_provider_fetches", "JWKS documents fetched from the provider (discovery included).")
        providerFetchFailures = counter("jwks_provider_fetch_failures", "JWKS fetches from the provider that failed.")
        redisHits = counter("jwks_redis_hits", "Key refreshes that found a signed record in the shared cache.")
        redisMisses = counter("jwks_redis_misses", "Key refreshes that found no usable record in the shared cache.")
        tokenCacheHits = counter("token_cache_hits", "Tokens found in the verified-token cache.")
        tokenCacheMisses = counter("token_cache_misses", "Tokens not found in the verified-token cache (verified in full).")
    }
}
