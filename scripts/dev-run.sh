#!/usr/bin/env bash
# Sets up and runs Gatehouse locally with the development identity provider (a Keycloak
# stand-in on loopback), then prints a token and ready-to-paste examples. Ctrl-C stops both.
#   scripts/dev-run.sh [--release]
set -euo pipefail
cd "$(dirname "$0")/.."

configuration=debug
# Debug code with release assertions, as scripts/test.sh builds it (one shared build): SwiftNIO's
# debug-only accept assertion would otherwise fire when workers share a socket during a reload.
flags=(-Xswiftc -assert-config -Xswiftc Release)
if [[ "${1:-}" == "--release" ]]; then configuration=release; flags=(); fi

scripts/install-deps.sh
echo "== building ($configuration)"
for product in gatehouse gatehouse-dev-idp; do
    swift build -c "$configuration" "${flags[@]}" --product "$product" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]'
done
bin="$(swift build -c "$configuration" "${flags[@]}" --show-bin-path)"

idp_port="${GATEHOUSE_DEV_IDP_PORT:-8180}"
port="${GATEHOUSE_DEV_PORT:-8000}"
resource="http://127.0.0.1:${port}/mcp"
issuer="http://127.0.0.1:${idp_port}/realms/mcp-realm"
mkdir -p .run

"$bin/gatehouse-dev-idp" --port "$idp_port" --audience "$resource" > .run/idp.log 2>&1 &
idp_pid=$!
trap 'kill $idp_pid ${server_pid:-} 2>/dev/null || true; wait 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 100); do curl -fsS "$issuer/.well-known/openid-configuration" >/dev/null 2>&1 && break; sleep 0.1; done

GATEHOUSE_RESOURCE="$resource" GATEHOUSE_ISSUER="$issuer" GATEHOUSE_ALLOW_INSECURE_HTTP=true \
GATEHOUSE_ENV=development GATEHOUSE_BIND="127.0.0.1:${port}" GATEHOUSE_WORKERS="${GATEHOUSE_WORKERS:-2}" \
GATEHOUSE_PIDFILE="$PWD/.run/gatehouse.pid" \
    "$bin/gatehouse" serve > .run/gatehouse.log 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:${port}/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

token="$(curl -fsS -u mcp-client:mcp-secret -d grant_type=client_credentials -d 'scope=mcp:read mcp:write mcp:infer' \
    "$issuer/protocol/openid-connect/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"

cat <<INFO

Gatehouse is serving MCP at $resource (logs: .run/gatehouse.log)
Development identity provider: $issuer (client mcp-client / mcp-secret; logs: .run/idp.log)

An access token (valid 5 minutes; get another with the first command):
  curl -s -u mcp-client:mcp-secret -d grant_type=client_credentials $issuer/protocol/openid-connect/token

  TOKEN=$token

Try:
  curl -i -X POST $resource                                   # 401 with the RFC 9728 challenge
  curl -s http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp
  curl -s -X POST $resource -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
       -H 'Accept: application/json, text/event-stream' \\
       -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}'

MCP clients: point them at $resource with the header "Authorization: Bearer \$TOKEN".
The supervisor: $bin/gatehouse status --pidfile .run/gatehouse.pid   (kill -HUP \$(cat .run/gatehouse.pid) reloads)
Press Ctrl-C to stop.
INFO
wait "$server_pid"
