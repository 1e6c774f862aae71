#!/usr/bin/env bash
# One release worker under wrk, next to a plain SwiftNIO server answering a fixed body in the
# same run: authenticated tools/call, 401 challenges, and the NIO baseline, as ratios.
#   bench/worker-baseline.sh [seconds per run, default 15] [connections, default 64]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-15}"
connections="${2:-64}"
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
scripts/install-deps.sh

scratch=.build-release
swift build -c release --scratch-path "$scratch" --product gatehouse 2>&1 | tail -1
swift build -c release --scratch-path "$scratch" --product gatehouse-dev-idp 2>&1 | tail -1
swift build -c release --package-path bench/nio-baseline --scratch-path "$PWD/.build-nio-baseline" 2>&1 | tail -1
bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)"
baseline="$(swift build -c release --package-path bench/nio-baseline --scratch-path "$PWD/.build-nio-baseline" --show-bin-path)/NIOBaseline"

idp_port=18180; worker_port=18000; uncached_port=18001; baseline_port=18090
resource="http://127.0.0.1:${worker_port}/mcp"
issuer="http://127.0.0.1:${idp_port}/realms/mcp-realm"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
"$bin/gatehouse-dev-idp" --port "$idp_port" --audience "$resource" --token-lifetime 3600 >/dev/null 2>&1 & pids+=($!)
for _ in $(seq 100); do curl -fsS "$issuer/.well-known/openid-configuration" >/dev/null 2>&1 && break; sleep 0.1; done
GATEHOUSE_RESOURCE="$resource" GATEHOUSE_ISSUER="$issuer" GATEHOUSE_ALLOW_INSECURE_HTTP=true \
GATEHOUSE_BIND="127.0.0.1:${worker_port}" GATEHOUSE_LOG_LEVEL="${GATEHOUSE_LOG_LEVEL:-info}" GATEHOUSE_DOTENV=/dev/null \
    "$bin/gatehouse" worker >/dev/null 2>&1 & worker_pid=$!; pids+=($worker_pid)
# The same worker with the verified-token cache off, for the cache's effect in this run.
GATEHOUSE_RESOURCE="$resource" GATEHOUSE_ISSUER="$issuer" GATEHOUSE_ALLOW_INSECURE_HTTP=true GATEHOUSE_TOKEN_CACHE_SIZE=0 \
GATEHOUSE_BIND="127.0.0.1:${uncached_port}" GATEHOUSE_LOG_LEVEL="${GATEHOUSE_LOG_LEVEL:-info}" GATEHOUSE_DOTENV=/dev/null \
    "$bin/gatehouse" worker >/dev/null 2>&1 & pids+=($!)
"$baseline" "$baseline_port" 120 >/dev/null 2>&1 & pids+=($!)
for port in "$worker_port" "$uncached_port"; do
    for _ in $(seq 100); do curl -fsS "http://127.0.0.1:${port}/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
done
sleep 1
idle_rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$worker_pid/status")

export TOKEN="$(curl -fsS -u mcp-client:mcp-secret -d grant_type=client_credentials "$issuer/protocol/openid-connect/token" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"

run() {  # name url script
    wrk -t2 -c"$connections" -d2s -s "bench/wrk/$3" "$2" >/dev/null  # warm-up
    local line
    line=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -s "bench/wrk/$3" "$2" | grep '^RESULT')
    echo "$1 $line"
}
echo "date=$(date -u +%FT%TZ) host=$(uname -n) cores=$(nproc) connections=$connections duration=${duration}s log_level=${GATEHOUSE_LOG_LEVEL:-info}"
results=$(
    run nio-baseline "http://127.0.0.1:${baseline_port}/" fixed.lua
    run tools-call "$resource" mcp-echo.lua
    run tools-call-no-token-cache "http://127.0.0.1:${uncached_port}/mcp" mcp-echo.lua
    run unauthenticated-401 "$resource" unauthenticated.lua
    run healthz "http://127.0.0.1:${worker_port}/healthz" fixed.lua
)
echo "$results"
loaded_rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$worker_pid/status")
base=$(echo "$results" | awk '/^nio-baseline/ {for (i=1;i<=NF;i++) if ($i ~ /^rps=/) {split($i,a,"="); print a[2]}}')
echo "$results" | awk -v base="$base" '{for (i=1;i<=NF;i++) if ($i ~ /^rps=/) {split($i,a,"="); printf "%s: %.2f x nio-baseline\n", $1, a[2]/base}}'
echo "worker RSS: idle ${idle_rss_kib} KiB, after load ${loaded_rss_kib} KiB"
