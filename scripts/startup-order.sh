#!/usr/bin/env bash
# Regenerates Sources/Gatehouse/startup.order: the functions a server runs from start through its
# first requests, in the order they first run, for lld's --symbol-ordering-file. Linked first and
# together, they fill a few megabytes of text instead of being spread over the whole program,
# where the kernel maps 64 KiB around each page a process first touches: every process of a
# server then maps less of the program (bench/compare.py's idle memory shows it).
#
# Runs the release build under valgrind's callgrind: the supervisor with 2 workers, then a
# tools/call, a 401, the metadata and the health routes, then SIGTERM. A stale order only costs
# memory (functions missing from it are linked after the listed ones), never correctness:
# rerun it after large changes to the request path or the start-up.
#   scripts/startup-order.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --packages valgrind
# The benchmark's build directory (bench/run.sh), unless told another.
scratch="${GATEHOUSE_RELEASE_SCRATCH:-.build-release}"
echo "== release build ($scratch)"
for product in gatehouse gatehouse-dev-idp; do
    swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product "$product" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]'
done
bin="$(swift build -c release --static-swift-stdlib --scratch-path "$scratch" --show-bin-path)"

work="$(mktemp -d)"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
# valgrind 3.19 cannot read the toolchain's DWARF 5; the symbol table is all this needs.
strip --strip-debug -o "$work/gatehouse" "$bin/gatehouse"

idp_port=18370; port=18380
resource="http://127.0.0.1:${port}/mcp"
issuer="http://127.0.0.1:${idp_port}/realms/mcp-realm"
"$bin/gatehouse-dev-idp" --port "$idp_port" --audience "$resource" >"$work/idp.log" 2>&1 & pids+=($!)
wait_for() { for _ in $(seq 600); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "startup-order: $1 never answered" >&2; exit 1; }
wait_for "$issuer/.well-known/openid-configuration"

echo "== start-up and first requests under callgrind"
env -i PATH="$PATH" GATEHOUSE_RESOURCE="$resource" GATEHOUSE_ISSUER="$issuer" GATEHOUSE_ALLOW_INSECURE_HTTP=true \
    GATEHOUSE_BIND="127.0.0.1:${port}" GATEHOUSE_METRICS_BIND="127.0.0.1:$((port + 1))" GATEHOUSE_WORKERS=2 \
    GATEHOUSE_DOTENV=/dev/null GATEHOUSE_LOG_LEVEL=info \
    valgrind --tool=callgrind --trace-children=yes --demangle=no --dump-instr=no \
        --callgrind-out-file="$work/callgrind.%p" "$work/gatehouse" serve >"$work/gatehouse.log" 2>&1 & supervisor=$!; pids+=($supervisor)
wait_for "http://127.0.0.1:${port}/readyz"
token="$(curl -fsS -u mcp-client:mcp-secret -d grant_type=client_credentials "$issuer/protocol/openid-connect/token" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"
for _ in 1 2 3 4; do
    curl -fsS -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' \
        -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}' "$resource"
    curl -sS -o /dev/null -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' "$resource"
    curl -fsS -o /dev/null "http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp"
    curl -fsS -o /dev/null "http://127.0.0.1:${port}/healthz"
    curl -fsS -o /dev/null "http://127.0.0.1:$((port + 1))/metrics"
done
kill -TERM "$supervisor"
wait "$supervisor" || true

# Each process's functions in the order they first ran (callgrind names each on first use), each
# name once: the workers' first (the supervisor, started first, has the lowest pid), as they are
# most of a server's processes, then what only the supervisor runs.
python3 - "$work" "$work/gatehouse" Sources/Gatehouse/startup.order <<'PY'
import glob, os, re, subprocess, sys
work, program, target = sys.argv[1:]
defined = set()
for line in subprocess.run(["nm", "--defined-only", program], capture_output=True, text=True, check=True).stdout.splitlines():
    fields = line.split()
    if len(fields) == 3 and fields[1] in "tTwW":
        defined.add(fields[2])
profiles = sorted(glob.glob(os.path.join(work, "callgrind.*")), key=lambda path: int(path.rsplit(".", 1)[1]))
profiles = profiles[1:] + profiles[:1]
order, seen = [], set()
for path in profiles:
    names = {}
    for line in open(path, errors="replace"):
        match = re.match(r"c?fn=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if not match:
            continue
        number, name = match.groups()
        if name:
            names[number] = name
        name = names.get(number)
        if name in defined and name not in seen:
            seen.add(name)
            order.append(name)
if len(profiles) < 3 or len(order) < 1000:
    sys.exit(f"startup-order: {len(profiles)} profiles, {len(order)} functions: the run went wrong")
with open(target, "w") as output:
    output.write("\n".join(order) + "\n")
print(f"wrote {target}: {len(order)} functions from {len(profiles)} processes")
PY
# SwiftPM does not know the list is an input of the link.
echo "startup-order: relink to use it (touch Sources/Gatehouse/main.swift, then build)"
