-- Shared by the wrk scripts: one RESULT line the benchmark scripts parse.
return function(summary, latency, bad)
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
    io.write(string.format("RESULT requests=%d rps=%.0f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f bad=%d errors=%d\n",
        summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
        latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, bad, errors))
end
